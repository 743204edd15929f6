package org.pkt4j.tensor.kernel;

import org.pkt4j.tensor.Tensor;

/**
 * Scalar reference for {@link MatMul}: the same signatures, plain loops, float accumulation. The
 * oracle of the kernel conformance tests; never on a hot path.
 */
public final class MatMulScalar {
    private MatMulScalar() {
    }

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ. */
    public static void linear(float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff, boolean accumulate) {
        int n = w.rows();
        check(w, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                long row = (long) j * k;
                for (int p = 0; p < k; p++) {
                    s += x[xOff + i * k + p] * w.getFloat(row + p);
                }
                int o = yOff + i * n + j;
                y[o] = accumulate ? y[o] + s : s;
            }
        }
    }

    /** dx[m, k] (+)= dy[m, n] · W[n, k]. */
    public static void linearBackwardInput(float[] dy, int dyOff, int m, int n, Tensor w, float[] dx, int dxOff, boolean accumulate) {
        int k = w.cols();
        check(w, n, k);
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                float s = 0f;
                for (int j = 0; j < n; j++) {
                    s += dy[dyOff + i * n + j] * w.getFloat((long) j * k + p);
                }
                int o = dxOff + i * k + p;
                dx[o] = accumulate ? dx[o] + s : s;
            }
        }
    }

    /** dW[n, k] += dy[m, n]ᵀ · x[m, k]. */
    public static void linearBackwardWeight(float[] dy, int dyOff, float[] x, int xOff, int m, int n, int k, float[] dw, int dwOff) {
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                float s = 0f;
                for (int i = 0; i < m; i++) {
                    s += dy[dyOff + i * n + j] * x[xOff + i * k + p];
                }
                dw[dwOff + j * k + p] += s;
            }
        }
    }

    static void check(Tensor w, int n, int k) {
        if (w.rows() != n || w.cols() != k) {
            throw new IllegalArgumentException("matmul: " + w.name() + " is " + w.shapeString() + ", expected [" + n + ", " + k + "]");
        }
    }
}
