package org.pkt4j.tensor.kernel;

import java.util.Arrays;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Causal grouped-query attention over a key/value cache, forward and backward (fp32). Layouts: queries
 * {@code q[t, h*hd + e]} for T new rows, keys and values {@code k[j, g*hd + e]} for positions j (the cache),
 * query head h reads kv head {@code g = h / (H/KV)}. Row t sits at position {@code pos0 + t} and attends to
 * keys {@code [j0, pos0 + t]} with {@code j0 = max(0, pos - window + 1)} under a sliding window (0 = none).
 * {@code p_h(t -> j) = softmax_j(q_h(t)·k_g(j) / sqrt(hd))}, {@code out_h(t) = Σ_j p_h(t -> j) v_g(j)}.
 */
public final class Attention {
    private Attention() {
    }

    /** Receives one softmax row: {@code p[j]} for j in [j0, j0 + n) (a reused buffer: copy what you keep). */
    @FunctionalInterface
    public interface RowObserver {
        void onRow(int t, int h, float[] p, int j0, int n);
    }

    /** The shape of one attention call. */
    public record Shape(int heads, int kvHeads, int headDim, int window) {
        public Shape {
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads " + heads + " is not a multiple of kv heads " + kvHeads);
            }
        }

        int group() {
            return heads / kvHeads;
        }

        int qDim() {
            return heads * headDim;
        }

        int kvDim() {
            return kvHeads * headDim;
        }

        /** First key visible from position pos. */
        int firstKey(int pos) {
            return window > 0 ? Math.max(0, pos - window + 1) : 0;
        }
    }

    /**
     * out[T, H*hd] = attention of T rows at positions [pos0, pos0 + T) over the cache's keys and values.
     * When {@code probs} is non-null (requires pos0 == 0) it receives p as [H, T, T], zero above the diagonal
     * and outside the window. {@code observer} (nullable) sees every softmax row.
     */
    public static void forward(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int pos0, int T, Shape s,
                               float[] out, float[] probs, RowObserver observer) {
        final int H = s.heads(), hd = s.headDim(), kvd = s.kvDim(), group = s.group();
        if (probs != null && pos0 != 0) {
            throw new IllegalArgumentException("saving attention probabilities needs the sequence to start at position 0, got " + pos0);
        }
        final float scale = (float) (1.0 / Math.sqrt(hd));
        ctx.parallelFor(T * H, Math.max(1, 4096 / Math.max(1, (pos0 + T) * hd)), (from, to) -> {
            float[] p = new float[pos0 + T];
            for (int th = from; th < to; th++) {
                int t = th / H, h = th % H, g = h / group;
                int pos = pos0 + t;
                int j0 = s.firstKey(pos);
                int qo = t * H * hd + h * hd;
                for (int j = j0; j <= pos; j++) {
                    p[j] = MatMul.dotArray(q, qo, keys, j * kvd + g * hd, hd) * scale;
                }
                Ops.softmax(p, j0, pos - j0 + 1);
                Arrays.fill(out, qo, qo + hd, 0f);
                for (int j = j0; j <= pos; j++) {
                    MatMul.axpy(p[j], vals, j * kvd + g * hd, out, qo, hd);
                }
                if (probs != null) {
                    int po = (h * T + t) * T;
                    Arrays.fill(probs, po, po + T, 0f);
                    System.arraycopy(p, j0, probs, po + j0, pos - j0 + 1);
                }
                if (observer != null) {
                    observer.onRow(t, h, p, j0, pos - j0 + 1);
                }
            }
        });
    }

    /** Floats of {@code work} that {@link #backward} needs: ds always, p too when it must recompute it. */
    public static long backwardWorkSize(int T, Shape s, boolean probsStored) {
        return (probsStored ? 1L : 2L) * s.heads() * T * T;
    }

    /**
     * The backward of {@link #forward} for a sequence starting at position 0: given {@code dout = ∂L/∂out},
     * writes (not adds) {@code dq} [T, H*hd], {@code dk} and {@code dv} [T, KV*hd] (gradients w.r.t. the
     * rotated queries and keys, and the values). {@code probs} are the forward's saved p, or null to recompute
     * them from q and k into {@code work}. Two passes, each free of write conflicts so both run in parallel:
     * per query row, ds = p ⊙ (dp − Σ p·dp) with dp_j = dout·v_j, and dq = Σ_j ds_j k_j / sqrt(hd); then per
     * key row, dv_j = Σ_{h,t} p_h(t -> j) dout_h(t) and dk_j = Σ_{h,t} ds_h(t, j) q_h(t) / sqrt(hd).
     */
    public static void backward(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int T, Shape s,
                                float[] probs, float[] dout, float[] dq, float[] dk, float[] dv, float[] work) {
        final int H = s.heads(), KV = s.kvHeads(), hd = s.headDim(), kvd = s.kvDim(), group = s.group();
        final float scale = (float) (1.0 / Math.sqrt(hd));
        final int htt = H * T * T;
        if (work.length < backwardWorkSize(T, s, probs != null)) {
            throw new IllegalArgumentException("attention backward work buffer has " + work.length + " floats, needs "
                    + backwardWorkSize(T, s, probs != null));
        }
        // ds lives in work[0, HTT); recomputed p (when not saved) in work[HTT, 2 HTT)
        final float[] p = probs != null ? probs : work;
        final int pOff = probs != null ? 0 : htt;
        ctx.parallelFor(T * H, Math.max(1, 4096 / Math.max(1, T * hd)), (from, to) -> {
            for (int th = from; th < to; th++) {
                int t = th / H, h = th % H, g = h / group;
                int j0 = s.firstKey(t);
                int qo = t * H * hd + h * hd;
                int row = (h * T + t) * T;
                if (probs == null) {
                    for (int j = j0; j <= t; j++) {
                        work[pOff + row + j] = MatMul.dotArray(q, qo, keys, j * kvd + g * hd, hd) * scale;
                    }
                    Ops.softmax(work, pOff + row + j0, t - j0 + 1);
                }
                // dp_j = dout_h(t) · v_g(j); Σ p·dp
                double dot = 0;
                for (int j = j0; j <= t; j++) {
                    float dp = MatMul.dotArray(dout, qo, vals, j * kvd + g * hd, hd);
                    work[row + j] = dp;
                    dot += (double) p[pOff + row + j] * dp;
                }
                // ds_j = p_j (dp_j - Σ p·dp), folded with the 1/sqrt(hd) of the scores
                Arrays.fill(dq, qo, qo + hd, 0f);
                for (int j = j0; j <= t; j++) {
                    float ds = p[pOff + row + j] * (work[row + j] - (float) dot) * scale;
                    work[row + j] = ds;
                    MatMul.axpy(ds, keys, j * kvd + g * hd, dq, qo, hd);
                }
            }
        });
        ctx.parallelFor(T * KV, Math.max(1, 4096 / Math.max(1, T * hd)), (from, to) -> {
            for (int jg = from; jg < to; jg++) {
                int j = jg / KV, g = jg % KV;
                int ko = j * kvd + g * hd;
                Arrays.fill(dk, ko, ko + hd, 0f);
                Arrays.fill(dv, ko, ko + hd, 0f);
                int tEnd = s.window() > 0 ? Math.min(T - 1, j + s.window() - 1) : T - 1;
                for (int h = g * group; h < (g + 1) * group; h++) {
                    for (int t = j; t <= tEnd; t++) {
                        int at = (h * T + t) * T + j;
                        int qo = t * H * hd + h * hd;
                        MatMul.axpy(p[pOff + at], dout, qo, dv, ko, hd);
                        MatMul.axpy(work[at], q, qo, dk, ko, hd);
                    }
                }
            }
        });
    }
}
