package org.pkt4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pkt4j.tensor.Tensor;

/**
 * Row-wise and element-wise kernels of the Llama block (fp32 activations), each forward followed by its
 * backward sibling with the same argument order. Backward kernels add into gradient buffers ({@code +=})
 * unless they say they write.
 */
public final class Ops {
    private Ops() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * RMSNorm of n rows of width d: {@code out = x * invRms * w} with {@code invRms = 1/sqrt(mean(x²) + eps)}
     * (HF order: normalise, then scale by the weight). Stores each row's invRms when {@code invRms} is non-null.
     */
    public static void rmsNorm(float[] x, int n, int d, Tensor w, double eps, float[] out, float[] invRms) {
        float[] g = w.toFloatArray();
        for (int t = 0; t < n; t++) {
            int o = t * d;
            float ss = MatMul.dotArray(x, o, x, o, d);
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            if (invRms != null) {
                invRms[t] = inv;
            }
            for (int i = 0; i < d; i++) {
                out[o + i] = (x[o + i] * inv) * g[i];
            }
        }
    }

    /**
     * The backward of {@link #rmsNorm}: with {@code y = x r w}, {@code r = 1/sqrt(mean(x²) + eps)} (the saved
     * invRms), adds {@code ∂L/∂x = r w⊙dy − x r³ (Σ_k w_k dy_k x_k) / d} into {@code dx} (when non-null) and
     * {@code Σ_t dy x r} into {@code dw} (when non-null).
     */
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

    /** c = silu(gate) * up, element-wise over n values; silu(g) = g / (1 + e^-g). */
    public static void swiglu(float[] gate, float[] up, float[] c, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            c[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /**
     * The backward of {@link #swiglu}; writes {@code dgate = dc·up·σ(g)(1 + g(1 − σ(g)))} and
     * {@code dup = dc·silu(g)}.
     */
    public static void swigluBackward(float[] gate, float[] up, float[] dc, float[] dgate, float[] dup, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = 1f / (1f + (float) Math.exp(-g));
            float silu = g * sig;
            dgate[i] = dc[i] * up[i] * (sig * (1f + g * (1f - sig)));
            dup[i] = dc[i] * silu;
        }
    }

    /** x[t] = E[ids[t]] (the embedding lookup, widened to fp32), rows of width d. */
    public static void embedding(Tensor e, int[] ids, float[] x) {
        int d = e.cols();
        for (int t = 0; t < ids.length; t++) {
            MatMul.loadRow(e.data(), e.dtype(), (long) ids[t] * d, d, x, t * d);
        }
    }

    /**
     * The backward of {@link #embedding}: scatter-adds {@code dx[t]} into row {@code ids[t]} of {@code dE}
     * [V, d]. Only the rows seen are touched (a dense gradient would cost V·d per step).
     */
    public static void embeddingBackward(int[] ids, float[] dx, int d, float[] dE) {
        for (int t = 0; t < ids.length; t++) {
            MatMul.axpy(1f, dx, t * d, dE, ids[t] * d, d);
        }
    }

    /** a[i] += b[i] over n values. */
    public static void add(float[] a, float[] b, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] += b[i];
        }
    }

    /** Adds a bias [width] to each of n rows. */
    public static void addBias(float[] y, int n, Tensor bias) {
        float[] b = bias.toFloatArray();
        int w = b.length;
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < w; i++) {
                y[t * w + i] += b[i];
            }
        }
    }

    /** The backward of {@link #addBias}: {@code dbias[i] += Σ_t dy[t, i]} over n rows of width {@code width}. */
    public static void addBiasBackward(float[] dy, int n, int width, float[] dbias) {
        for (int t = 0; t < n; t++) {
            add(dbias, 0, dy, t * width, width);
        }
    }

    /** a[ao + i] += b[bo + i] over n values. */
    public static void add(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).intoArray(a, ao + i);
        }
        for (; i < n; i++) {
            a[ao + i] += b[bo + i];
        }
    }

    /** In-place softmax of x[off, off+n); returns nothing, max-subtracted for stability. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** log Σ exp(x[off..off+n)), stable. */
    public static double logSumExp(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[off + i] - max);
        }
        return max + Math.log(sum);
    }

    public static float maxAbs(float[] x) {
        float m = 0f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
