package org.pkt4j.postalign;

/**
 * The contiguous sub-matrix of a given shape with the largest total sensitivity (PKT-SPEC §5 step 3),
 * found with a summed-area table in double precision: every top-left corner is considered, each in O(1),
 * scanned row by row; a strictly larger sum replaces the best, so on a tie the first corner wins (as the
 * reference's {@code max_sens_submatrix}).
 *
 * @param row top-left row in the source matrix
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
        if (height > rows || width > cols || height < 1 || width < 1) {
            throw new IllegalArgumentException("a " + height + "x" + width + " window does not fit a " + rows + "x" + cols + " matrix");
        }
        if (s.length != (long) rows * cols) {
            throw new IllegalArgumentException("sensitivity has " + s.length + " values, expected " + rows + " x " + cols);
        }
        // sat[i][j] = Σ s[r][c] over r < i, c < j, stored as (rows+1) x (cols+1)
        int w1 = cols + 1;
        double[] sat = new double[Math.multiplyExact(rows + 1, w1)];
        for (int i = 0; i < rows; i++) {
            double rowSum = 0;
            int base = i * cols;
            int o = (i + 1) * w1;
            for (int j = 0; j < cols; j++) {
                rowSum += s[base + j];
                sat[o + j + 1] = sat[o - w1 + j + 1] + rowSum;
            }
        }
        double best = Double.NEGATIVE_INFINITY;
        int bi = 0, bj = 0;
        for (int i = 0; i + height <= rows; i++) {
            int top = i * w1, bottom = (i + height) * w1;
            for (int j = 0; j + width <= cols; j++) {
                double sum = sat[bottom + j + width] - sat[top + j + width] - sat[bottom + j] + sat[top + j];
                if (sum > best) {
                    best = sum;
                    bi = i;
                    bj = j;
                }
            }
        }
        return new SensitivityWindow(bi, bj, best);
    }
}
