package org.pkt4j.tensor.kernel;

import org.pkt4j.tensor.Tensor;

/**
 * Scalar references for the vectorised kernels of {@link Ops}: the same signatures, plain loops,
 * {@link Math#exp} and double-precision sums where the vector kernels use {@link VectorMath#exp} and fp32
 * lanes. The conformance test compares the two on odd lengths.
 */
public final class OpsScalar {
    private OpsScalar() {
    }

    /** See {@link Ops#rmsNorm}. */
    public static void rmsNorm(float[] x, int n, int d, Tensor w, double eps, float[] out, float[] invRms) {
        float[] g = w.toFloatArray();
        for (int t = 0; t < n; t++) {
            int o = t * d;
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) x[o + i] * x[o + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            if (invRms != null) {
                invRms[t] = inv;
            }
            for (int i = 0; i < d; i++) {
                out[o + i] = (x[o + i] * inv) * g[i];
            }
        }
    }

    /** See {@link Ops#rmsNormBackward}. */
    public static void rmsNormBackward(float[] x, int n, int d, Tensor w, float[] invRms, float[] dout, float[] dx, float[] dw) {
        float[] g = w.toFloatArray();
        for (int t = 0; t < n; t++) {
            int o = t * d;
            float r = invRms[t];
            if (dw != null) {
                for (int i = 0; i < d; i++) {
                    dw[i] += dout[o + i] * (x[o + i] * r);
                }
            }
            if (dx != null) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += (double) dout[o + k] * g[k] * x[o + k];
                }
                float coef = (float) (s * r * r * r / d);
                for (int i = 0; i < d; i++) {
                    dx[o + i] += r * g[i] * dout[o + i] - coef * x[o + i];
                }
            }
        }
    }

    /** See {@link Ops#swiglu}. */
    public static void swiglu(float[] gate, float[] up, float[] c, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            c[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** See {@link Ops#swigluBackward}. */
    public static void swigluBackward(float[] gate, float[] up, float[] dc, float[] dgate, float[] dup, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = 1f / (1f + (float) Math.exp(-g));
            float silu = g * sig;
            dgate[i] = dc[i] * up[i] * (sig * (1f + g * (1f - sig)));
            dup[i] = dc[i] * silu;
        }
    }

    /** See {@link Ops#softmax}. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** See {@link Ops#crossEntropy}. */
    public static double crossEntropy(float[] x, int off, int n, int target, float[] dx, int dxOff, double scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < n; v++) {
            max = Math.max(max, x[off + v]);
        }
        float xy = x[off + target];
        double sum = 0;
        for (int v = 0; v < n; v++) {
            double e = Math.exp(x[off + v] - max);
            if (dx != null) {
                dx[dxOff + v] = (float) e;
            }
            sum += e;
        }
        if (dx != null) {
            float s = (float) (scale / sum);
            for (int v = 0; v < n; v++) {
                dx[dxOff + v] *= s;
            }
            dx[dxOff + target] -= (float) scale;
        }
        return max + Math.log(sum) - xy;
    }
}
