package org.pkt4j.postalign;

/**
 * The contiguous sub-matrix of a given shape with the largest total sensitivity (PKT-SPEC §5 step 3). Every top-left
 * corner is considered, each in O(1): the reference's summed-area table, evaluated one band of {@code height} rows at
 * a time — running column sums over the band, slid down one row per step, and a running window sum slid along
 * them — so the work stays linear in the matrix and the memory is one double per column instead of a
 * (rows + 1) × (cols + 1) table (which for a 32000 × 4096 LM head would be a gigabyte). Corners are scanned row by
 * row, as {@code max_sens_submatrix} does; a strictly larger sum replaces the best, so on a tie the first corner wins.
 * Sums are taken in double precision (the reference's table is float32 — windows closer than ~1e-5 relative may rank
 * by rounding there).
 *
 * @param row top-left row in the (possibly transposed) source matrix
 * @param col top-left column
 * @param sum the window's summed sensitivity
 */
public record SensitivityWindow(int row, int col, double sum) {

    /**
     * @param s      sensitivities of an {@code rows x cols} matrix, row-major
     * @param height window rows (the target module's out size)
     * @param width  window columns (the target module's in size)
     */
    public static SensitivityWindow find(float[] s, int rows, int cols, int height, int width) {
        check(s, rows, cols, height, width, "");
        double[] band = new double[cols];
        for (int r = 0; r < height; r++) {
            addRow(band, s, r * cols, 1);
        }
        SensitivityWindow best = null;
        for (int i = 0; i + height <= rows; i++) {
            if (i > 0) {
                // slide the band down one row: add row i + height - 1, remove row i - 1
                addRow(band, s, (i + height - 1) * cols, 1);
                addRow(band, s, (i - 1) * cols, -1);
            }
            double win = 0;
            for (int j = 0; j < width; j++) {
                win += band[j];
            }
            for (int j = 0; ; j++) {
                if (best == null || win > best.sum) {
                    best = new SensitivityWindow(i, j, win);
                }
                if (j + width >= cols) {
                    break;
                }
                win += band[j + width] - band[j];
            }
        }
        return best;
    }

    /**
     * The window in the TRANSPOSE of {@code s}: {@code s} is stored {@code rows x cols}, the window of
     * {@code height x width} is sought in {@code sᵀ} ({@code cols x rows}) and the corner is in {@code sᵀ}'s
     * coordinates. This is how the reference treats the embedding: {@code [V, d_s]} transposed to {@code [d_s, V]},
     * a window of {@code [d_t, V]}, i.e. d_t contiguous embedding columns. A window spanning all of {@code sᵀ}'s
     * columns reduces to column sums of {@code s} (no transposed copy); any other shape transposes first.
     */
    public static SensitivityWindow findInTranspose(float[] s, int rows, int cols, int height, int width) {
        check(s, cols, rows, height, width, " (transposed)");
        if (width != rows) {
            float[] t = new float[s.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[j * rows + i] = s[i * cols + j];
                }
            }
            return find(t, cols, rows, height, width);
        }
        // sᵀ's row i sums to column i of s; one window per start row, scanned in order
        double[] colSums = new double[cols];
        for (int r = 0; r < rows; r++) {
            addRow(colSums, s, r * cols, 1);
        }
        double win = 0;
        for (int i = 0; i < height; i++) {
            win += colSums[i];
        }
        SensitivityWindow best = new SensitivityWindow(0, 0, win);
        for (int i = 1; i + height <= cols; i++) {
            win += colSums[i + height - 1] - colSums[i - 1];
            if (win > best.sum) {
                best = new SensitivityWindow(i, 0, win);
            }
        }
        return best;
    }

    private static void check(float[] s, int rows, int cols, int height, int width, String view) {
        if (height > rows || width > cols || height < 1 || width < 1) {
            throw new IllegalArgumentException("a " + height + "x" + width + " window does not fit a " + rows + "x" + cols + " matrix" + view);
        }
        if (s.length != (long) rows * cols) {
            throw new IllegalArgumentException("sensitivity has " + s.length + " values, expected " + rows + " x " + cols);
        }
    }

    private static void addRow(double[] acc, float[] s, int from, int sign) {
        for (int j = 0; j < acc.length; j++) {
            acc[j] += sign * (double) s[from + j];
        }
    }
}
