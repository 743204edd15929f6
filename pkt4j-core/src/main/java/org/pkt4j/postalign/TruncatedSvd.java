package org.pkt4j.postalign;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * Rank-r truncated SVD {@code M ≈ B·A} with {@code B = U_r diag(s_r)} [m, r] and {@code A = V_rᵀ} [r, n]
 * (PKT-SPEC §5 step 4). Small matrices (at most {@link #EXACT_ELEMENTS} elements) get EJML's full double SVD; thin
 * ones (smaller side ≤ {@link #EXACT_LIMIT}, e.g. an embedding window [d_t, V]) an exact truncation through their
 * small Gram matrix in double ({@link #thin}); large ones a randomized range finder (Halko et al.) with power
 * iterations, whose big products run on {@link MatMul}, then an exact SVD of the small projected matrix.
 *
 * @param b      U_r diag(s_r), row-major [m, r]
 * @param a      V_rᵀ, row-major [r, n]
 * @param values the r largest singular values, descending
 */
public record TruncatedSvd(float[] b, float[] a, double[] values, int m, int n, int rank) {

    public static final int EXACT_LIMIT = 512;

    /**
     * Matrices up to this many elements get EJML's full SVD; larger thin ones the Gram path, which computes the same
     * truncation 2–3× faster already at 288 × 288 (measured: 0.1–0.2 s against 0.2–0.4 s, contended).
     */
    public static final long EXACT_ELEMENTS = 1L << 16;

    public static TruncatedSvd of(ExecutionContext ctx, float[] matrix, int m, int n, int rank, long seed) {
        if (rank < 1 || rank > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + rank + " is larger than the slice's smaller side (" + m + " x " + n + ")");
        }
        if (Math.min(m, n) > EXACT_LIMIT) {
            return randomized(ctx, matrix, m, n, rank, 10, 4, seed);
        }
        return (long) m * n <= EXACT_ELEMENTS ? exact(matrix, m, n, rank) : thin(ctx, matrix, m, n, rank);
    }

    /**
     * The exact truncation of a thin matrix through its Gram matrix, in double. With X [s, l] the matrix or its
     * transpose so that s ≤ l: {@code G = X Xᵀ = U diag(σ²) Uᵀ} (s × s, a symmetric eigenproblem), and
     * {@code Y = U_rᵀ X = diag(σ_r) V_rᵀ}. A wide matrix (X = M) gives {@code B = U_r diag(σ_r)}, {@code A = diag(1/σ_r) Y};
     * a tall one (X = Mᵀ) gives {@code B = Yᵀ}, {@code A = U_rᵀ}. Either way B·A is the projection of M onto its top-r
     * singular subspace. Squaring the matrix costs accuracy only for singular values far below σ_1 (relative error
     * ~1e-16 · (σ_1/σ_i)²); when σ_r is below 1e-6 σ_1 the full SVD is used instead. Costs s²·l/2 multiply-adds
     * instead of the full SVD's ~4 s²·l.
     */
    public static TruncatedSvd thin(ExecutionContext ctx, float[] matrix, int m, int n, int rank) {
        boolean wide = m <= n;
        int s = Math.min(m, n), l = Math.max(m, n);
        float[] x = wide ? matrix : transpose(matrix, m, n);
        double[] g = new double[s * s];
        ctx.parallelFor(s, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = dot(x, i * l, x, j * l, l);
                    g[i * s + j] = v;
                    g[j * s + i] = v;
                }
            }
        });
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(s, true, true);
        if (!eig.decompose(new DMatrixRMaj(s, s, true, g))) {
            throw new IllegalStateException("eigendecomposition did not converge on a " + s + "x" + s + " Gram matrix");
        }
        Integer[] order = new Integer[s];
        for (int i = 0; i < s; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).real, eig.getEigenvalue(a).real));
        double[] values = new double[rank];
        double[][] u = new double[rank][];
        for (int k = 0; k < rank; k++) {
            values[k] = Math.sqrt(Math.max(eig.getEigenvalue(order[k]).real, 0));
            u[k] = eig.getEigenVector(order[k]).data.clone();
        }
        if (!(values[rank - 1] > 1e-6 * values[0])) {
            return exact(matrix, m, n, rank);
        }
        // Y = U_rᵀ X [r, l]
        double[][] y = new double[rank][l];
        ctx.parallelFor(rank, 1, (from, to) -> {
            for (int k = from; k < to; k++) {
                for (int i = 0; i < s; i++) {
                    double c = u[k][i];
                    int o = i * l;
                    for (int j = 0; j < l; j++) {
                        y[k][j] += c * x[o + j];
                    }
                }
            }
        });
        float[] b = new float[m * rank];
        float[] a = new float[rank * n];
        for (int k = 0; k < rank; k++) {
            if (wide) {
                for (int i = 0; i < m; i++) {
                    b[i * rank + k] = (float) (u[k][i] * values[k]);
                }
                for (int j = 0; j < n; j++) {
                    a[k * n + j] = (float) (y[k][j] / values[k]);
                }
            } else {
                for (int i = 0; i < m; i++) {
                    b[i * rank + k] = (float) y[k][i];
                }
                for (int j = 0; j < n; j++) {
                    a[k * n + j] = (float) u[k][j];
                }
            }
        }
        return new TruncatedSvd(b, a, values, m, n, rank);
    }

    /** Σ a[ao + t]·b[bo + t] in double, four independent partial sums. */
    private static double dot(float[] a, int ao, float[] b, int bo, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int t = 0;
        for (; t + 4 <= len; t += 4) {
            s0 += (double) a[ao + t] * b[bo + t];
            s1 += (double) a[ao + t + 1] * b[bo + t + 1];
            s2 += (double) a[ao + t + 2] * b[bo + t + 2];
            s3 += (double) a[ao + t + 3] * b[bo + t + 3];
        }
        for (; t < len; t++) {
            s0 += (double) a[ao + t] * b[bo + t];
        }
        return (s0 + s1) + (s2 + s3);
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
