package org.pkt4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pkt4j.tensor.Tensor;

/** Row-wise and element-wise forward kernels of the Llama block (fp32 activations). */
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

    /** c = silu(gate) * up, element-wise over n values; silu(g) = g / (1 + e^-g). */
    public static void swiglu(float[] gate, float[] up, float[] c, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            c[i] = g / (1f + (float) Math.exp(-g)) * up[i];
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
