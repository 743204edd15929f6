package org.pkt4j.postalign;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * Rank-r truncated SVD {@code M ≈ B·A} with {@code B = U_r diag(s_r)} [m, r] and {@code A = V_rᵀ} [r, n]
 * (PKT-SPEC §5 step 4). Small matrices (min side ≤ {@link #EXACT_LIMIT}) get EJML's full double SVD; large
 * ones a randomized range finder (Halko et al.) with power iterations, whose big products run on
 * {@link MatMul}, then an exact SVD of the small projected matrix.
 *
 * @param b      U_r diag(s_r), row-major [m, r]
 * @param a      V_rᵀ, row-major [r, n]
 * @param values the r largest singular values, descending
 */
public record TruncatedSvd(float[] b, float[] a, double[] values, int m, int n, int rank) {

    public static final int EXACT_LIMIT = 512;

    public static TruncatedSvd of(ExecutionContext ctx, float[] matrix, int m, int n, int rank, long seed) {
        if (rank < 1 || rank > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + rank + " is larger than the slice's smaller side (" + m + " x " + n + ")");
        }
        return Math.min(m, n) <= EXACT_LIMIT ? exact(matrix, m, n, rank) : randomized(ctx, matrix, m, n, rank, 10, 4, seed);
    }

    /** Full double-precision SVD, truncated. */
    public static TruncatedSvd exact(float[] matrix, int m, int n, int rank) {
        DMatrixRMaj mat = new DMatrixRMaj(m, n);
        for (int i = 0; i < matrix.length; i++) {
            mat.data[i] = matrix[i];
        }
        return fromSmall(mat, rank, null);
    }

    /**
     * Randomized SVD: Y = M Ω (Ω Gaussian n x (r + p)), q power iterations Y = M (Mᵀ Q) with QR in between,
     * then the SVD of the small Qᵀ M.
     */
    public static TruncatedSvd randomized(ExecutionContext ctx, float[] matrix, int m, int n, int rank, int oversample,
                                          int powerIterations, long seed) {
        int k = Math.min(Math.min(m, n), rank + oversample);
        SplittableRandom rng = new SplittableRandom(seed);
        // Ωᵀ [k, n], so that Y = M Ω = M · (Ωᵀ)ᵀ is MatMul.linear(M rows, W = Ωᵀ)
        float[] omegaT = new float[k * n];
        for (int i = 0; i < omegaT.length; i++) {
            omegaT[i] = (float) RandomLlama.gaussian(rng);
        }
        Tensor mat = Tensor.ofFloats("M", matrix, m, n);
        float[] y = new float[m * k];
        MatMul.linear(ctx, matrix, 0, m, n, Tensor.ofFloats("Ωᵀ", omegaT, k, n), y, 0, false);
        float[] q = orthonormalColumns(y, m, k);
        for (int it = 0; it < powerIterations; it++) {
            // Z = Mᵀ Q  [n, k]: Zᵀ [k, n] = Qᵀ M, i.e. linearBackwardInput with dy = Qᵀ rows
            float[] qt = transpose(q, m, k);
            float[] zt = new float[k * n];
            MatMul.linearBackwardInput(ctx, qt, 0, k, m, mat, zt, 0, false);
            float[] z = orthonormalColumns(transpose(zt, k, n), n, k);
            MatMul.linear(ctx, matrix, 0, m, n, Tensor.ofFloats("Zᵀ", transpose(z, n, k), k, n), y, 0, false);
            q = orthonormalColumns(y, m, k);
        }
        // small = Qᵀ M [k, n]
        float[] small = new float[k * n];
        MatMul.linearBackwardInput(ctx, transpose(q, m, k), 0, k, m, mat, small, 0, false);
        DMatrixRMaj sm = new DMatrixRMaj(k, n);
        for (int i = 0; i < small.length; i++) {
            sm.data[i] = small[i];
        }
        DMatrixRMaj qm = new DMatrixRMaj(m, k);
        for (int i = 0; i < q.length; i++) {
            qm.data[i] = q[i];
        }
        return fromSmall(sm, rank, qm);
    }

    /** SVD of {@code mat} truncated at rank; with {@code lift} non-null, U is lifted as lift · U. */
    private static TruncatedSvd fromSmall(DMatrixRMaj mat, int rank, DMatrixRMaj lift) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(mat.numRows, mat.numCols, true, true, true);
        if (!svd.decompose(mat.copy())) {
            throw new IllegalStateException("SVD did not converge on a " + mat.numRows + "x" + mat.numCols + " matrix");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj vt = svd.getV(null, true);
        double[] sv = svd.getSingularValues();
        int count = Math.min(mat.numRows, mat.numCols);
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, yy) -> Double.compare(sv[yy], sv[x]));
        if (lift != null) {
            DMatrixRMaj lifted = new DMatrixRMaj(lift.numRows, u.numCols);
            CommonOps_DDRM.mult(lift, u, lifted);
            u = lifted;
        }
        int m = u.numRows, n = vt.numCols;
        float[] b = new float[m * rank];
        float[] a = new float[rank * n];
        double[] values = new double[rank];
        for (int r = 0; r < rank; r++) {
            int c = order[r];
            values[r] = sv[c];
            for (int i = 0; i < m; i++) {
                b[i * rank + r] = (float) (u.get(i, c) * sv[c]);
            }
            for (int j = 0; j < n; j++) {
                a[r * n + j] = (float) vt.get(c, j);
            }
        }
        return new TruncatedSvd(b, a, values, m, n, rank);
    }

    /** B·A [m, n]. */
    public float[] product() {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < rank; r++) {
                float bv = b[i * rank + r];
                if (bv != 0f) {
                    MatMul.axpy(bv, a, r * n, out, i * n, n);
                }
            }
        }
        return out;
    }

    /** Orthonormal basis of the columns of y [rows, cols] (Householder QR, thin Q). */
    private static float[] orthonormalColumns(float[] y, int rows, int cols) {
        DMatrixRMaj ym = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < y.length; i++) {
            ym.data[i] = y[i];
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        if (!qr.decompose(ym)) {
            throw new IllegalStateException("QR failed");
        }
        DMatrixRMaj q = qr.getQ(null, true);
        float[] out = new float[rows * cols];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) q.data[i];
        }
        return out;
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }
}
