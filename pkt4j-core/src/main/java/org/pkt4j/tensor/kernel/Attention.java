package org.pkt4j.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Causal grouped-query attention over a key/value cache, forward and backward (fp32). Layouts: queries
 * {@code q[t, h*hd + e]} for T new rows, keys and values {@code k[j, g*hd + e]} for positions j (the cache),
 * query head h reads kv head {@code g = h / (H/KV)}. Row t sits at position {@code pos0 + t} and attends to
 * keys {@code [j0, pos0 + t]} with {@code j0 = max(0, pos - window + 1)} under a sliding window (0 = none).
 * {@code p_h(t -> j) = softmax_j(q_h(t)·k_g(j) / sqrt(hd))}, {@code out_h(t) = Σ_j p_h(t -> j) v_g(j)}.
 *
 * <p>From {@link #BLOCKED_MIN_ROWS} rows on (prefill, training) every product is a block product on the
 * GEMM's micro-kernel: per head and block of 8 query rows, S = Q·Kᵀ against the head's keys packed
 * transposed, a row softmax, then P·V; the backward likewise (dP = dOut·Vᵀ, dQ = dS·K, and per block of 8
 * keys dV = Pᵀ·dOut, dK = dSᵀ·Q summed over the group's heads). A dot product and an axpy per key position
 * cost 3–4× more at hd = 48. Fewer rows (decode) take the row kernels: packing every cached key would cost
 * as much as the one row's product. {@link AttentionScalar} is the reference.
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

    /** Rows per block: the micro-kernel's tile height. */
    private static final int QB = Gemm.MR;
    private static final int NR = Gemm.NR;
    private static final int L = MatMul.L;
    /** From this many new rows on, the blocked kernels. */
    public static final int BLOCKED_MIN_ROWS = QB;

    /**
     * out[T, H*hd] = attention of T rows at positions [pos0, pos0 + T) over the cache's keys and values.
     * When {@code probs} is non-null (requires pos0 == 0) it receives p as [H, T, T], zero above the diagonal
     * and outside the window. {@code observer} (nullable) sees every softmax row.
     */
    public static void forward(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int pos0, int T, Shape s,
                               float[] out, float[] probs, RowObserver observer) {
        if (probs != null && pos0 != 0) {
            throw new IllegalArgumentException("saving attention probabilities needs the sequence to start at position 0, got " + pos0);
        }
        if (T < BLOCKED_MIN_ROWS) {
            forwardRows(ctx, q, keys, vals, pos0, T, s, out, probs, observer);
            return;
        }
        final int H = s.heads(), hd = s.headDim(), qd = s.qDim(), group = s.group();
        final int N = pos0 + T, np = roundUp(N, NR), hdp = roundUp(hd, NR), blocks = (T + QB - 1) / QB;
        final float scale = (float) (1.0 / Math.sqrt(hd));
        float[] kt = new float[s.kvHeads() * hd * np];
        float[] vp = new float[s.kvHeads() * np * hdp];
        packTransposed(ctx, keys, N, s, kt, np);
        packRows(ctx, vals, N, s.kvDim(), s.kvHeads(), hd, vp, np, hdp);
        PerThread scratch = new PerThread(ctx);
        ctx.parallelFor(H * blocks, 1, (thread, from, to) -> {
            float[] sb = scratch.get(thread, 0, QB * np);
            float[] qb = scratch.get(thread, 1, QB * hd);
            float[] tile = scratch.get(thread, 2, QB * NR);
            float[] row = observer != null ? scratch.get(thread, 3, N) : null;
            for (int unit = from; unit < to; unit++) {
                int h = unit / blocks, t0 = (unit % blocks) * QB, g = h / group;
                int rows = Math.min(QB, T - t0);
                int jStart = s.firstKey(pos0 + t0), jEnd = pos0 + t0 + rows;
                // S = (Q/sqrt(hd))·Kᵀ for the block's rows, then each row's softmax over its visible keys
                gather(q, t0, rows, qd, h * hd, hd, scale, qb);
                scores(qb, hd, kt, g * hd * np, np, jStart, jEnd, sb, tile);
                for (int r = 0; r < rows; r++) {
                    int t = t0 + r, pos = pos0 + t, j0 = s.firstKey(pos);
                    Ops.softmax(sb, r * np + j0, pos - j0 + 1);
                    Arrays.fill(sb, r * np + jStart, r * np + j0, 0f);
                    Arrays.fill(sb, r * np + pos + 1, r * np + jEnd, 0f);
                    if (probs != null) {
                        int po = (h * T + t) * T;
                        Arrays.fill(probs, po, po + T, 0f);
                        System.arraycopy(sb, r * np + j0, probs, po + j0, pos - j0 + 1);
                    }
                    if (observer != null) {
                        System.arraycopy(sb, r * np + j0, row, j0, pos - j0 + 1);
                        observer.onRow(t, h, row, j0, pos - j0 + 1);
                    }
                }
                // out = P·V
                for (int c0 = 0; c0 < hd; c0 += NR) {
                    Gemm.kernel8(sb, jStart, np, vp, panelRow(g, c0, jStart, np, hdp), jEnd - jStart, tile, 0);
                    Gemm.storeTile(tile, rows, Math.min(NR, hd - c0), out, t0 * qd + h * hd + c0, qd, false);
                }
            }
        });
    }

    /**
     * The row kernels for a few new rows (decode): per row and range of heads, scores four keys at a time,
     * softmax, P·V. The key loop is outside the head loop, so the cache (rows of kvd floats, one per position,
     * larger than L2 for long contexts) streams forward once per row and head range instead of once per head
     * in 192-byte pieces: head-by-head passes made stories15M-shape decode attention ~2× slower.
     */
    private static void forwardRows(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int pos0, int T, Shape s,
                                    float[] out, float[] probs, RowObserver observer) {
        final int H = s.heads(), N = pos0 + T;
        // a chunk of at least ~8K keys' floats (and as many values'): in decode this call follows the q/k/v
        // projection, whose worker still polls, so handing out a chunk costs about a microsecond (stories15M
        // shape, 2 threads: ~2% more tokens/s than with 64K, within the noise of one run)
        int grain = Math.max(1, 8192 / Math.max(1, N * s.headDim()));
        PerThread scratch = new PerThread(ctx);
        ctx.parallelFor(T * H, grain, (thread, from, to) -> {
            float[] p = scratch.get(thread, 0, Math.min(H, to - from) * N);
            for (int u = from; u < to; ) {
                int t = u / H, h0 = u % H, h1 = Math.min(H, h0 + to - u);
                headsRow(q, keys, vals, t, pos0 + t, h0, h1, s, p, N, out);
                for (int h = h0; h < h1; h++) {
                    int pos = pos0 + t, j0 = s.firstKey(pos), n = pos - j0 + 1, po = (h - h0) * N;
                    if (probs != null) {
                        int o = (h * T + t) * T;
                        Arrays.fill(probs, o, o + T, 0f);
                        System.arraycopy(p, po + j0, probs, o + j0, n);
                    }
                    if (observer != null) {
                        observer.onRow(t, h, Arrays.copyOfRange(p, po, po + N), j0, n);
                    }
                }
                u += h1 - h0;
            }
        });
    }

    /**
     * Attention of row t of q (at position {@code pos}) for heads [h0, h1): row h − h0 of p (stride N) gets the
     * probabilities over keys [j0, pos], row t of out the heads' P·V.
     */
    private static void headsRow(float[] q, float[] keys, float[] vals, int t, int pos, int h0, int h1, Shape s,
                                 float[] p, int N, float[] out) {
        final int hd = s.headDim(), kvd = s.kvDim(), group = s.group(), qo = t * s.qDim();
        final float scale = (float) (1.0 / Math.sqrt(hd));
        int j0 = s.firstKey(pos), j = j0;
        for (; j + 3 <= pos; j += 4) {
            for (int h = h0; h < h1; h++) {
                scores4(q, qo + h * hd, keys, j * kvd + h / group * hd, kvd, hd, scale, p, (h - h0) * N + j);
            }
        }
        for (; j <= pos; j++) {
            for (int h = h0; h < h1; h++) {
                p[(h - h0) * N + j] = MatMul.dotArray(q, qo + h * hd, keys, j * kvd + h / group * hd, hd) * scale;
            }
        }
        for (int h = h0; h < h1; h++) {
            Ops.softmax(p, (h - h0) * N + j0, pos - j0 + 1);
            Arrays.fill(out, qo + h * hd, qo + (h + 1) * hd, 0f);
        }
        j = j0;
        for (; j + 3 <= pos; j += 4) {
            for (int h = h0; h < h1; h++) {
                weighted4(p, (h - h0) * N + j, vals, j * kvd + h / group * hd, kvd, hd, out, qo + h * hd);
            }
        }
        for (; j <= pos; j++) {
            for (int h = h0; h < h1; h++) {
                MatMul.axpy(p[(h - h0) * N + j], vals, j * kvd + h / group * hd, out, qo + h * hd, hd);
            }
        }
    }

    /** p[po + i] = scale · q·k_i for the four keys at ko + i·kvd, one pass over q. */
    private static void scores4(float[] q, int qo, float[] keys, int ko, int kvd, int hd, float scale, float[] p, int po) {
        int body = hd - hd % L;
        int k0 = ko, k1 = k0 + kvd, k2 = k1 + kvd, k3 = k2 + kvd;
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < body; e += L) {
            FloatVector qv = FloatVector.fromArray(MatMul.F, q, qo + e);
            a0 = FloatVector.fromArray(MatMul.F, keys, k0 + e).fma(qv, a0);
            a1 = FloatVector.fromArray(MatMul.F, keys, k1 + e).fma(qv, a1);
            a2 = FloatVector.fromArray(MatMul.F, keys, k2 + e).fma(qv, a2);
            a3 = FloatVector.fromArray(MatMul.F, keys, k3 + e).fma(qv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (int e = body; e < hd; e++) {
            float qe = q[qo + e];
            s0 += qe * keys[k0 + e];
            s1 += qe * keys[k1 + e];
            s2 += qe * keys[k2 + e];
            s3 += qe * keys[k3 + e];
        }
        p[po] = s0 * scale;
        p[po + 1] = s1 * scale;
        p[po + 2] = s2 * scale;
        p[po + 3] = s3 * scale;
    }

    /** out[oo, oo + hd) += Σ_i p[po + i] v_i for the four values at vo + i·kvd, one pass over out. */
    private static void weighted4(float[] p, int po, float[] vals, int vo, int kvd, int hd, float[] out, int oo) {
        int body = hd - hd % L;
        int v0 = vo, v1 = v0 + kvd, v2 = v1 + kvd, v3 = v2 + kvd;
        FloatVector p0 = FloatVector.broadcast(MatMul.F, p[po]), p1 = FloatVector.broadcast(MatMul.F, p[po + 1]);
        FloatVector p2 = FloatVector.broadcast(MatMul.F, p[po + 2]), p3 = FloatVector.broadcast(MatMul.F, p[po + 3]);
        for (int e = 0; e < body; e += L) {
            FloatVector o = FloatVector.fromArray(MatMul.F, out, oo + e);
            o = FloatVector.fromArray(MatMul.F, vals, v0 + e).fma(p0, o);
            o = FloatVector.fromArray(MatMul.F, vals, v1 + e).fma(p1, o);
            o = FloatVector.fromArray(MatMul.F, vals, v2 + e).fma(p2, o);
            o = FloatVector.fromArray(MatMul.F, vals, v3 + e).fma(p3, o);
            o.intoArray(out, oo + e);
        }
        for (int e = body; e < hd; e++) {
            out[oo + e] += p[po] * vals[v0 + e] + p[po + 1] * vals[v1 + e] + p[po + 2] * vals[v2 + e] + p[po + 3] * vals[v3 + e];
        }
    }

    /** Floats of {@code work} that {@link #backward} needs: dS and the packed operands, plus p when it recomputes it. */
    public static long backwardWorkSize(int T, Shape s, boolean probsStored) {
        long htt = (long) s.heads() * T * T;
        long np = roundUp(T, NR), hdp = roundUp(s.headDim(), NR);
        long packed = 2L * s.kvHeads() * s.headDim() * np + s.kvHeads() * np * hdp + 2L * s.heads() * T * hdp;
        return (probsStored ? 1 : 2) * htt + packed;
    }

    /**
     * The backward of {@link #forward} for a sequence starting at position 0: given {@code dout = ∂L/∂out},
     * writes (not adds) {@code dq} [T, H*hd], {@code dk} and {@code dv} [T, KV*hd] (gradients w.r.t. the
     * rotated queries and keys, and the values). {@code probs} are the forward's saved p, or null to recompute
     * them from q and k into {@code work}. Two passes, each free of write conflicts so both run in parallel:
     * per head and block of query rows, dS = P ⊙ (dP − Σ_j P·dP) / sqrt(hd) with dP = dOut·Vᵀ, and
     * dQ = dS·K; then per kv head and block of key rows, dV = Σ_h Pᵀ·dOut_h and dK = Σ_h dSᵀ·Q_h.
     */
    public static void backward(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int T, Shape s,
                                float[] probs, float[] dout, float[] dq, float[] dk, float[] dv, float[] work) {
        if (work.length < backwardWorkSize(T, s, probs != null)) {
            throw new IllegalArgumentException("attention backward work buffer has " + work.length + " floats, needs "
                    + backwardWorkSize(T, s, probs != null));
        }
        if (T < BLOCKED_MIN_ROWS) {
            backwardRows(ctx, q, keys, vals, T, s, probs, dout, dq, dk, dv, work);
            return;
        }
        final int H = s.heads(), KV = s.kvHeads(), hd = s.headDim(), qd = s.qDim(), kvd = s.kvDim(), group = s.group();
        final float scale = (float) (1.0 / Math.sqrt(hd));
        final int np = roundUp(T, NR), hdp = roundUp(hd, NR), blocks = (T + QB - 1) / QB;
        final int htt = H * T * T;
        // work: dS [H, T, T] | p [H, T, T] when recomputed | Kᵀ, Vᵀ [KV, hd, np] | K [KV, np, hdp] | Q, dOut per head [H, T, hdp]
        // (all in NR-wide panels: see packTransposed and packRows)
        final float[] p = probs != null ? probs : work;
        final int pOff = probs != null ? 0 : htt;
        final int ktOff = pOff == 0 ? htt : 2 * htt, vtOff = ktOff + KV * hd * np, kpOff = vtOff + KV * hd * np;
        final int qhOff = kpOff + KV * np * hdp, dhOff = qhOff + H * T * hdp;
        packTransposed(ctx, keys, T, s, work, ktOff, np);
        packTransposed(ctx, vals, T, s, work, vtOff, np);
        packRows(ctx, keys, T, kvd, KV, hd, work, kpOff, np, hdp);
        packRows(ctx, q, T, qd, H, hd, work, qhOff, T, hdp);
        packRows(ctx, dout, T, qd, H, hd, work, dhOff, T, hdp);
        PerThread scratch = new PerThread(ctx);
        ctx.parallelFor(H * blocks, 1, (thread, from, to) -> {
            float[] sb = scratch.get(thread, 0, QB * np);
            float[] ab = scratch.get(thread, 1, QB * hd);
            float[] tile = scratch.get(thread, 2, QB * NR);
            for (int unit = from; unit < to; unit++) {
                int h = unit / blocks, t0 = (unit % blocks) * QB, g = h / group;
                int rows = Math.min(QB, T - t0);
                int jStart = s.firstKey(t0), jEnd = t0 + rows;
                if (probs == null) {
                    // recompute P for the block, as the forward does
                    gather(q, t0, rows, qd, h * hd, hd, scale, ab);
                    scores(ab, hd, work, ktOff + g * hd * np, np, jStart, jEnd, sb, tile);
                    for (int r = 0; r < rows; r++) {
                        int t = t0 + r, j0 = s.firstKey(t), po = pOff + (h * T + t) * T;
                        Ops.softmax(sb, r * np + j0, t - j0 + 1);
                        Arrays.fill(work, po, po + T, 0f);
                        System.arraycopy(sb, r * np + j0, work, po + j0, t - j0 + 1);
                    }
                }
                // dP = dOut·Vᵀ for the block's rows
                gather(dout, t0, rows, qd, h * hd, hd, 1f, ab);
                scores(ab, hd, work, vtOff + g * hd * np, np, jStart, jEnd, sb, tile);
                // dS = P ⊙ (dP − Σ_j P·dP) / sqrt(hd), zero outside each row's keys
                for (int r = 0; r < rows; r++) {
                    int t = t0 + r, j0 = s.firstKey(t), n = t - j0 + 1;
                    int row = (h * T + t) * T;
                    float dot = MatMul.dotArray(p, pOff + row + j0, sb, r * np + j0, n);
                    Arrays.fill(work, row, row + j0, 0f);
                    dsRow(p, pOff + row + j0, sb, r * np + j0, dot, scale, work, row + j0, n);
                    Arrays.fill(work, row + t + 1, row + T, 0f);
                }
                // dQ = dS·K
                for (int c0 = 0; c0 < hd; c0 += NR) {
                    int cols = Math.min(NR, hd - c0), bo = kpOff + panelRow(g, c0, jStart, np, hdp);
                    if (rows == QB) {
                        Gemm.kernel8(work, (h * T + t0) * T + jStart, T, work, bo, jEnd - jStart, tile, 0);
                        Gemm.storeTile(tile, QB, cols, dq, t0 * qd + h * hd + c0, qd, false);
                    } else {
                        for (int r = 0; r < rows; r++) {
                            Gemm.kernel1(work, (h * T + t0 + r) * T + jStart, work, bo, NR, jEnd - jStart, tile);
                            Gemm.storeTile(tile, 1, cols, dq, (t0 + r) * qd + h * hd + c0, qd, false);
                        }
                    }
                }
            }
        });
        ctx.parallelFor(KV * blocks, 1, (thread, from, to) -> {
            float[] ap = scratch.get(thread, 1, T * QB);
            float[] tile = scratch.get(thread, 2, QB * NR);
            for (int unit = from; unit < to; unit++) {
                int g = unit / blocks, j0 = (unit % blocks) * QB;
                int keysIn = Math.min(QB, T - j0);
                // rows t < j0 see none of these keys; past j0 + 7 + window - 1 neither
                int tEnd = s.window() > 0 ? Math.min(T, j0 + QB - 1 + s.window()) : T;
                int kc = tEnd - j0;
                for (int c0 = 0; c0 < hd; c0 += NR) {
                    int cols = Math.min(NR, hd - c0), o = j0 * kvd + g * hd + c0;
                    for (int h = g * group; h < (g + 1) * group; h++) {
                        boolean add = h > g * group;
                        // dV = Pᵀ·dOut_h, dK = dSᵀ·Q_h: A = 8 key columns of P (or dS) over rows t in [j0, tEnd)
                        keyBlock(p, pOff + (h * T + j0) * T + j0, T, keysIn, kc, work, dhOff + panelRow(h, c0, j0, T, hdp), ap, tile);
                        Gemm.storeTile(tile, keysIn, cols, dv, o, kvd, add);
                        keyBlock(work, (h * T + j0) * T + j0, T, keysIn, kc, work, qhOff + panelRow(h, c0, j0, T, hdp), ap, tile);
                        Gemm.storeTile(tile, keysIn, cols, dk, o, kvd, add);
                    }
                }
            }
        });
    }

    /** Fewer rows than a block: the scalar reference (training always runs whole sequences of many rows). */
    private static void backwardRows(ExecutionContext ctx, float[] q, float[] keys, float[] vals, int T, Shape s, float[] probs,
                                     float[] dout, float[] dq, float[] dk, float[] dv, float[] work) {
        AttentionScalar.backward(q, keys, vals, T, s, probs, dout, dq, dk, dv);
    }

    /**
     * tile = Aᵀ·B over kc rows with A[t, r] = a[ao + t·lda + r] for the block's key columns r < keys and B
     * an NR-wide panel from b[bo] ({@link #packRows}): the
     * column-major micro-kernel reads A in place for a whole block; a ragged last block is copied, zero-padded,
     * first (reading 8 columns in place would run past the row, and past the array on the last one).
     */
    private static void keyBlock(float[] a, int ao, int lda, int keys, int kc, float[] b, int bo, float[] ap, float[] tile) {
        if (keys == QB) {
            Gemm.kernel8T(a, ao, lda, b, bo, NR, kc, tile);
            return;
        }
        for (int t = 0; t < kc; t++) {
            System.arraycopy(a, ao + t * lda, ap, t * QB, keys);
            Arrays.fill(ap, t * QB + keys, (t + 1) * QB, 0f);
        }
        Gemm.kernel8T(ap, 0, QB, b, bo, NR, kc, tile);
    }

    /** ds[do, do + n) = p ⊙ (dp − dot) · scale. */
    private static void dsRow(float[] p, int po, float[] dp, int dpo, float dot, float scale, float[] ds, int dso, int n) {
        FloatVector vd = FloatVector.broadcast(MatMul.F, dot), vs = FloatVector.broadcast(MatMul.F, scale);
        int body = n - n % L;
        for (int j = 0; j < body; j += L) {
            FloatVector.fromArray(MatMul.F, p, po + j).mul(FloatVector.fromArray(MatMul.F, dp, dpo + j).sub(vd)).mul(vs)
                    .intoArray(ds, dso + j);
        }
        for (int j = body; j < n; j++) {
            ds[dso + j] = p[po + j] * (dp[dpo + j] - dot) * scale;
        }
    }

    /** ab[r·hd + e] = x[(t0 + r)·width + off + e]·scale for r < rows, zero rows up to the block's height. */
    private static void gather(float[] x, int t0, int rows, int width, int off, int hd, float scale, float[] ab) {
        for (int r = 0; r < QB; r++) {
            if (r < rows) {
                int src = (t0 + r) * width + off;
                for (int e = 0; e < hd; e++) {
                    ab[r * hd + e] = x[src + e] * scale;
                }
            } else {
                Arrays.fill(ab, r * hd, (r + 1) * hd, 0f);
            }
        }
    }

    /**
     * sb[r·np + j] = A_r · Bᵀ_j for j in the NR-aligned tiles covering [jStart, jEnd), B given transposed in
     * NR-column panels as {@link #packTransposed} lays it out from bt[bo].
     */
    private static void scores(float[] ab, int hd, float[] bt, int bo, int np, int jStart, int jEnd, float[] sb, float[] tile) {
        for (int jt = jStart - jStart % NR; jt < jEnd; jt += NR) {
            Gemm.kernel8(ab, 0, hd, bt, bo + jt * hd, hd, tile, 0);
            for (int r = 0; r < QB; r++) {
                System.arraycopy(tile, r * NR, sb, r * np + jt, NR);
            }
        }
    }

    /**
     * xt[g·hd·np + (j / NR)·hd·NR + e·NR + j % NR] = x[j, g·hd + e] for j < N: each kv head's rows transposed,
     * in panels of NR positions (the micro-kernel reads B at the constant stride NR).
     */
    private static void packTransposed(ExecutionContext ctx, float[] x, int N, Shape s, float[] xt, int np) {
        packTransposed(ctx, x, N, s, xt, 0, np);
    }

    private static void packTransposed(ExecutionContext ctx, float[] x, int N, Shape s, float[] xt, int off, int np) {
        int hd = s.headDim(), kvd = s.kvDim();
        ctx.parallelFor(s.kvHeads(), 1, (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                for (int j = 0; j < N; j++) {
                    int src = j * kvd + g * hd, dst = off + g * hd * np + j / NR * hd * NR + j % NR;
                    for (int e = 0; e < hd; e++) {
                        xt[dst + e * NR] = x[src + e];
                    }
                }
            }
        });
    }

    private static void packRows(ExecutionContext ctx, float[] x, int N, int width, int heads, int hd, float[] xp, int np, int hdp) {
        packRows(ctx, x, N, width, heads, hd, xp, 0, np, hdp);
    }

    /**
     * Each head's rows j < N, x[j·width + h·hd + e], in panels of NR columns: column e at
     * xp[off + {@link #panelRow}(h, e − e % NR, j, np, hdp) + e % NR]. Columns from hd up to hdp are not written.
     */
    private static void packRows(ExecutionContext ctx, float[] x, int N, int width, int heads, int hd, float[] xp, int off,
                                 int np, int hdp) {
        ctx.parallelFor(heads, 1, (h0, h1) -> {
            for (int h = h0; h < h1; h++) {
                for (int j = 0; j < N; j++) {
                    for (int c0 = 0; c0 < hd; c0 += NR) {
                        System.arraycopy(x, j * width + h * hd + c0, xp, off + panelRow(h, c0, j, np, hdp), Math.min(NR, hd - c0));
                    }
                }
            }
        });
    }

    /** Offset of row j of head h's column panel starting at c0 in {@link #packRows}' layout (np rows of NR per panel). */
    private static int panelRow(int h, int c0, int j, int np, int hdp) {
        return ((h * (hdp / NR) + c0 / NR) * np + j) * NR;
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    /** Per-thread work buffers of one call, allocated on a thread's first use (see {@link ExecutionContext.ThreadRangeBody}). */
    private static final class PerThread {
        private final float[][][] buffers;

        PerThread(ExecutionContext ctx) {
            buffers = new float[ctx.threads()][4][];
        }

        float[] get(int thread, int slot, int size) {
            float[] b = buffers[thread][slot];
            if (b == null || b.length < size) {
                b = new float[size];
                buffers[thread][slot] = b;
            }
            return b;
        }
    }
}
