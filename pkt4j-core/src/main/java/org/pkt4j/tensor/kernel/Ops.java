package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * Row-wise and element-wise kernels of the Llama block (fp32 activations), each forward followed by its
 * backward sibling with the same argument order. Backward kernels add into gradient buffers ({@code +=})
 * unless they say they write. {@link OpsScalar} holds the scalar references of the vectorised ones.
 */
public final class Ops {
    private Ops() {
    }

    private static final VectorSpecies<Float> F = MatMul.F;
    private static final int L = MatMul.L;

    /**
     * RMSNorm of n rows of width d: {@code out = x * invRms * w} with {@code invRms = 1/sqrt(mean(x²) + eps)}
     * (HF order: normalise, then scale by the weight). Stores each row's invRms when {@code invRms} is non-null.
     * The weight is read in its stored dtype (no fp32 copy per call); {@code out} may be {@code x}.
     */
    public static void rmsNorm(float[] x, int n, int d, Tensor w, double eps, float[] out, float[] invRms) {
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        int body = d - d % L;
        for (int t = 0; t < n; t++) {
            int o = t * d;
            float ss = MatMul.dotArray(x, o, x, o, d);
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            if (invRms != null) {
                invRms[t] = inv;
            }
            FloatVector vi = FloatVector.broadcast(F, inv);
            for (int i = 0; i < body; i += L) {
                FloatVector.fromArray(F, x, o + i).mul(vi).mul(MatMul.weightVector(seg, dt, i)).intoArray(out, o + i);
            }
            for (int i = body; i < d; i++) {
                out[o + i] = (x[o + i] * inv) * w.getFloat(i);
            }
        }
    }

    /**
     * The backward of {@link #rmsNorm}: with {@code y = x r w}, {@code r = 1/sqrt(mean(x²) + eps)} (the saved
     * invRms), adds {@code ∂L/∂x = r w⊙dy − x r³ (Σ_k w_k dy_k x_k) / d} into {@code dx} (when non-null) and
     * {@code Σ_t dy x r} into {@code dw} (when non-null).
     */
    public static void rmsNormBackward(float[] x, int n, int d, Tensor w, float[] invRms, float[] dout, float[] dx, float[] dw) {
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        int body = d - d % L;
        for (int t = 0; t < n; t++) {
            int o = t * d;
            float r = invRms[t];
            FloatVector vr = FloatVector.broadcast(F, r);
            if (dw != null) {
                for (int i = 0; i < body; i += L) {
                    FloatVector xr = FloatVector.fromArray(F, x, o + i).mul(vr);
                    FloatVector.fromArray(F, dw, i).add(FloatVector.fromArray(F, dout, o + i).mul(xr)).intoArray(dw, i);
                }
                for (int i = body; i < d; i++) {
                    dw[i] += dout[o + i] * (x[o + i] * r);
                }
            }
            if (dx != null) {
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; k < body; k += L) {
                    acc = FloatVector.fromArray(F, dout, o + k).mul(MatMul.weightVector(seg, dt, k)).fma(FloatVector.fromArray(F, x, o + k), acc);
                }
                double s = acc.reduceLanes(VectorOperators.ADD);
                for (int k = body; k < d; k++) {
                    s += (double) dout[o + k] * w.getFloat(k) * x[o + k];
                }
                float coef = (float) (s * r * r * r / d);
                FloatVector vc = FloatVector.broadcast(F, coef);
                for (int i = 0; i < body; i += L) {
                    FloatVector gi = MatMul.weightVector(seg, dt, i);
                    FloatVector term = vr.mul(gi).mul(FloatVector.fromArray(F, dout, o + i)).sub(vc.mul(FloatVector.fromArray(F, x, o + i)));
                    FloatVector.fromArray(F, dx, o + i).add(term).intoArray(dx, o + i);
                }
                for (int i = body; i < d; i++) {
                    dx[o + i] += r * w.getFloat(i) * dout[o + i] - coef * x[o + i];
                }
            }
        }
    }

    /** c = silu(gate) * up, element-wise over n values; silu(g) = g / (1 + e^-g), e^ from {@link VectorMath#exp}. */
    public static void swiglu(float[] gate, float[] up, float[] c, int n) {
        int body = n - n % L;
        for (int i = 0; i < body; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(VectorMath.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(c, i);
        }
        for (int i = body; i < n; i++) {
            float g = gate[i];
            c[i] = g / (VectorMathScalar.exp(-g) + 1f) * up[i];
        }
    }

    /**
     * The backward of {@link #swiglu}; writes {@code dgate = dc·up·σ(g)(1 + g(1 − σ(g)))} and
     * {@code dup = dc·silu(g)}.
     */
    public static void swigluBackward(float[] gate, float[] up, float[] dc, float[] dgate, float[] dup, int n) {
        int body = n - n % L;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < body; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector d = FloatVector.fromArray(F, dc, i);
            FloatVector sig = one.div(VectorMath.exp(g.neg()).add(1f));
            d.mul(FloatVector.fromArray(F, up, i)).mul(sig.mul(g.mul(one.sub(sig)).add(1f))).intoArray(dgate, i);
            d.mul(g.mul(sig)).intoArray(dup, i);
        }
        for (int i = body; i < n; i++) {
            float g = gate[i];
            float sig = 1f / (VectorMathScalar.exp(-g) + 1f);
            dgate[i] = dc[i] * up[i] * (sig * (1f + g * (1f - sig)));
            dup[i] = dc[i] * (g * sig);
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

    /** In-place softmax of x[off, off+n), max-subtracted for stability. */
    public static void softmax(float[] x, int off, int n) {
        float max = max(x, off, n);
        FloatVector shift = FloatVector.broadcast(F, -max);
        FloatVector acc = FloatVector.zero(F);
        int body = n - n % L;
        for (int i = 0; i < body; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, off + i).add(shift));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int i = body; i < n; i++) {
            float e = VectorMathScalar.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        FloatVector inv = FloatVector.broadcast(F, 1f / sum);
        for (int i = 0; i < body; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (int i = body; i < n; i++) {
            x[off + i] *= 1f / sum;
        }
    }

    /** max of x[off, off+n); -inf when n = 0. */
    public static float max(float[] x, int off, int n) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int body = n - n % L;
        for (int i = 0; i < body; i += L) {
            mv = mv.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (int i = body; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** Elements summed in fp32 lanes before a partial sum is carried into the double total. */
    private static final int SUM_BLOCK = 1024;

    /**
     * Cross-entropy of one row of logits {@code x[off, off+n)} against the class {@code target}:
     * {@code max + log Σ exp(x − max) − x_target}. When {@code dx} is non-null it receives
     * {@code scale·(softmax(x) − onehot(target))} at {@code dxOff} (it may be x itself at the same offset:
     * each value is read before it is overwritten). The sum runs in fp32 lanes over blocks of 1024 values,
     * carried into a double, so a 32000-wide row keeps ~1e-7 relative accuracy.
     */
    public static double crossEntropy(float[] x, int off, int n, int target, float[] dx, int dxOff, double scale) {
        float max = max(x, off, n);
        float xy = x[off + target];
        FloatVector shift = FloatVector.broadcast(F, -max);
        int body = n - n % L;
        double sum = 0;
        for (int start = 0; start < body; start += SUM_BLOCK) {
            int end = Math.min(body, start + SUM_BLOCK);
            FloatVector acc = FloatVector.zero(F);
            for (int i = start; i < end; i += L) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, off + i).add(shift));
                if (dx != null) {
                    e.intoArray(dx, dxOff + i);
                }
                acc = acc.add(e);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (int i = body; i < n; i++) {
            float e = VectorMathScalar.exp(x[off + i] - max);
            if (dx != null) {
                dx[dxOff + i] = e;
            }
            sum += e;
        }
        if (dx != null) {
            float s = (float) (scale / sum);
            FloatVector vs = FloatVector.broadcast(F, s);
            for (int i = 0; i < body; i += L) {
                FloatVector.fromArray(F, dx, dxOff + i).mul(vs).intoArray(dx, dxOff + i);
            }
            for (int i = body; i < n; i++) {
                dx[dxOff + i] *= s;
            }
            dx[dxOff + target] -= (float) scale;
        }
        return max + Math.log(sum) - xy;
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
