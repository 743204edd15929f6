package org.pkt4j.llama;

import java.util.Arrays;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.Attention;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.tensor.kernel.Ops;

/**
 * The Llama forward pass over weights in their stored dtype, fp32 arithmetic. One loop over layers, one
 * commented line per step. It processes T new tokens at positions [cache.length(), cache.length() + T),
 * appends their keys and values to the cache, and returns the logits of the requested rows. With an
 * {@link Activations} store it saves what {@code LlamaBackward} reads.
 */
public final class LlamaForward {
    private final Llama model;
    private final LlamaConfig c;
    private final ExecutionContext ctx;
    private final Rope rope;
    private static final Module[] QKV = {Module.Q, Module.K, Module.V};
    private static final Module[] GATE_UP = {Module.GATE, Module.UP};
    private static final Module[] O = {Module.O};
    private static final Module[] DOWN = {Module.DOWN};
    private final Attention.Shape shape;

    public LlamaForward(Llama model, ExecutionContext ctx) {
        this.model = model;
        this.c = model.config();
        this.ctx = ctx;
        this.rope = new Rope(c.headDim(), c.rope());
        this.shape = new Attention.Shape(c.numHeads(), c.numKvHeads(), c.headDim(), c.slidingWindow());
    }

    public Llama model() {
        return model;
    }

    public ExecutionContext context() {
        return ctx;
    }

    public Rope rope() {
        return rope;
    }

    /** The attention shape (heads, kv heads, head dim, sliding window) of this model. */
    public Attention.Shape attentionShape() {
        return shape;
    }

    /** Logits [T, V] of a whole sequence from position 0. */
    public float[] logits(int[] ids) {
        return forward(ids, new KvCache(c, ids.length), Adapters.NONE, ForwardTrace.NONE, null, null);
    }

    /** Runs a whole sequence from position 0, saving its activations into {@code store} (see the full overload). */
    public float[] forward(int[] ids, Adapters adapters, Activations store, int[] logitRows) {
        return forward(ids, store.cache, adapters, ForwardTrace.NONE, store, logitRows);
    }

    /**
     * Runs {@code ids} after what {@code cache} holds.
     *
     * @param adapters  additions to linear outputs (deltas, LoRA); {@link Adapters#NONE} for the plain model
     * @param trace     observer of chosen positions; {@link ForwardTrace#NONE} for none
     * @param store     activations to save for the backward pass, or null; {@code cache} must then be the
     *                  store's own cache, which this call empties first (the sequence starts at position 0)
     * @param logitRows rows (indices into ids) whose logits to compute, or null for all
     * @return logits [rows, V], row-major
     */
    public float[] forward(int[] ids, KvCache cache, Adapters adapters, ForwardTrace trace, Activations store, int[] logitRows) {
        return forward(ids, cache, adapters, trace, store, logitRows, null);
    }

    /**
     * {@link #forward(int[], KvCache, Adapters, ForwardTrace, Activations, int[])} with work buffers taken from
     * {@code work} (when non-null and large enough) instead of allocated: the residual stream, each layer's
     * buffers and the logits. The returned logits are then {@code work}'s own array, overwritten by the next
     * call that uses it, and possibly longer than [rows, V] (the logits are its first rows·V values).
     */
    public float[] forward(int[] ids, KvCache cache, Adapters adapters, ForwardTrace trace, Activations store, int[] logitRows,
                           Workspace work) {
        final int T = ids.length;
        if (store != null) {
            if (store.cache != cache) {
                throw new IllegalArgumentException("a forward that saves activations must use the store's own cache");
            }
            store.begin(ids);
        }
        final int pos0 = cache.length();
        final int d = c.hiddenSize(), f = c.intermediateSize(), qd = c.qDim(), kvd = c.kvDim();
        final int H = c.numHeads(), KV = c.numKvHeads();
        checkIds(ids);
        if (T == 0) {
            throw new IllegalArgumentException("empty input: at least one token id is needed");
        }
        if (pos0 + T > cache.capacity()) {
            throw new IllegalArgumentException("sequence of " + (pos0 + T) + " positions exceeds the cache capacity " + cache.capacity());
        }
        int[] traced = trace.positions();

        boolean reuse = work != null && T <= work.rows;
        // x: the residual stream [T, d], starting as the token embeddings
        float[] x = reuse ? work.x : new float[T * d];
        Ops.embedding(model.embed(), ids, x);
        for (EmbeddingAdapter a : adapters.embedding()) {
            a.forward(ids, x);
        }

        Scratch s = reuse ? work.scratch : new Scratch(T, d, f, qd, kvd);
        float[][] tables = rope.tables(pos0, T);
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights w = model.layer(l);
            float[] xIn = traced.length > 0 || store != null ? x.clone() : null;
            if (store != null) {
                System.arraycopy(x, 0, store.layerInput[l], 0, T * d);
            }
            // attention block: z = RMSNorm(x); q, k, v projections (+ bias, + adapters)
            float[] z = store != null ? store.normed1[l] : s.normed;
            Ops.rmsNorm(x, T, d, w.inputNorm(), c.rmsNormEps(), z, store != null ? store.invRms1[l] : null);
            float[] q = store != null ? store.q[l] : s.q;
            project(l, w, z, T, adapters, QKV, q, s.k, s.v);
            // RoPE: rotate q and k in each head, then append k and v to the cache
            rope.apply(q, T, H, tables, false);
            rope.apply(s.k, T, KV, tables, false);
            System.arraycopy(s.k, 0, cache.keys(l), pos0 * kvd, T * kvd);
            System.arraycopy(s.v, 0, cache.values(l), pos0 * kvd, T * kvd);
            // causal (GQA) attention of each new position over keys [0, pos]
            float[] att = store != null ? store.attn[l] : s.attn;
            float[][][] tracedWeights = traced.length == 0 ? NO_WEIGHTS : new float[traced.length][H][];
            Attention.forward(ctx, q, cache.keys(l), cache.values(l), pos0, T, shape, att,
                    store != null ? store.probs[l] : null, traced.length == 0 ? null : (t, h, p, j0, n) -> {
                        for (int i = 0; i < traced.length; i++) {
                            if (traced[i] == t) {
                                float[] row = new float[pos0 + t + 1];
                                System.arraycopy(p, j0, row, j0, n);
                                tracedWeights[i][h] = row;
                            }
                        }
                    });
            // a = attn · W_oᵀ; r = x + a
            project(l, w, att, T, adapters, O, s.a);
            Ops.add(x, s.a, T * d);
            if (store != null) {
                System.arraycopy(x, 0, store.residual[l], 0, T * d);
            }
            // MLP block: z2 = RMSNorm(r); c = silu(W_gate z2) * (W_up z2); m = c · W_downᵀ; h = r + m
            float[] z2 = store != null ? store.normed2[l] : s.normed;
            Ops.rmsNorm(x, T, d, w.postNorm(), c.rmsNormEps(), z2, store != null ? store.invRms2[l] : null);
            float[] g = store != null ? store.gate[l] : s.gate;
            float[] u = store != null ? store.up[l] : s.up;
            float[] cc = store != null ? store.coeff[l] : s.coeff;
            project(l, w, z2, T, adapters, GATE_UP, g, u);
            Ops.swiglu(g, u, cc, T * f);
            project(l, w, cc, T, adapters, DOWN, s.m);
            Ops.add(x, s.m, T * d);
            for (int i = 0; i < traced.length; i++) {
                int t = traced[i];
                float[] vals = Arrays.copyOf(cache.values(l), (pos0 + t + 1) * kvd);
                trace.onLayer(new LayerTrace(l, t, slice(xIn, t, d), slice(s.a, t, d),
                        sum(slice(xIn, t, d), slice(s.a, t, d)), slice(s.m, t, d), slice(x, t, d), slice(cc, t, f),
                        tracedWeights[i], vals, kvd, c.headDim(), c.groupSize()));
            }
        }
        cache.advance(T);
        for (int t : traced) {
            trace.onFinal(t, slice(x, t, d));
        }

        // final norm, then the LM head on the requested rows
        float[] normed = store != null ? store.finalNormed : s.normed;
        if (store != null) {
            System.arraycopy(x, 0, store.finalHidden, 0, T * d);
        }
        Ops.rmsNorm(x, T, d, model.norm(), c.rmsNormEps(), normed, store != null ? store.invRmsFinal : null);
        int[] rows = logitRows;
        float[] headIn = normed;
        int R = T;
        if (rows != null) {
            R = rows.length;
            headIn = new float[R * d];
            for (int i = 0; i < R; i++) {
                System.arraycopy(normed, rows[i] * d, headIn, i * d, d);
            }
        }
        int logitCount = Math.multiplyExact(R, c.vocabSize());
        float[] logits = work != null && work.logits.length >= logitCount ? work.logits : new float[logitCount];
        MatMul.linear(ctx, headIn, 0, R, d, model.lmHead(), logits, 0, false);
        adapters.forward(ctx, -1, Module.LM_HEAD, headIn, R, logits);
        return logits;
    }

    /** y_i = x · W_iᵀ (+ bias) (+ adapters) for modules of layer l that share their input x. */
    private void project(int l, LayerWeights w, float[] x, int rows, Adapters adapters, Module[] ms, float[]... ys) {
        Tensor[] ws = new Tensor[ms.length];
        for (int i = 0; i < ms.length; i++) {
            ws[i] = w.weight(ms[i]);
        }
        MatMul.linearShared(ctx, x, rows, ws[0].cols(), ws, ys);
        for (int i = 0; i < ms.length; i++) {
            if (w.bias(ms[i]) != null) {
                Ops.addBias(ys[i], rows, w.bias(ms[i]));
            }
            adapters.forward(ctx, l, ms[i], x, rows, ys[i]);
        }
    }

    private void checkIds(int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
        }
    }

    private static float[] slice(float[] x, int t, int d) {
        return Arrays.copyOfRange(x, t * d, (t + 1) * d);
    }

    private static float[] sum(float[] a, float[] b) {
        float[] r = a.clone();
        Ops.add(r, b, r.length);
        return r;
    }

    private static final float[][][] NO_WEIGHTS = new float[0][][];

    /**
     * Work buffers for forward calls of up to {@code rows} tokens with up to {@code logitRows} rows of logits,
     * reused from call to call — the decode loop's, so that a step allocates nothing in proportion to the
     * model, and the training step's, whose logits ([T, V], 33 MB for 256 tokens of a 32000 vocabulary) were
     * otherwise allocated anew each step. One per generation or backward (or per thread): a call overwrites
     * what the previous one left, its logits included.
     */
    public static final class Workspace {
        final int rows;
        final float[] x;
        final Scratch scratch;
        final float[] logits;

        public Workspace(LlamaConfig c, int rows, int logitRows) {
            this.rows = rows;
            this.x = new float[rows * c.hiddenSize()];
            this.scratch = new Scratch(rows, c.hiddenSize(), c.intermediateSize(), c.qDim(), c.kvDim());
            this.logits = new float[Math.multiplyExact(logitRows, c.vocabSize())];
        }
    }

    /** Work buffers of one layer, reused across layers when no activation store is kept. */
    private static final class Scratch {
        final float[] normed, q, k, v, attn, a, gate, up, coeff, m;

        Scratch(int T, int d, int f, int qd, int kvd) {
            normed = new float[T * Math.max(d, 1)];
            q = new float[T * qd];
            k = new float[T * kvd];
            v = new float[T * kvd];
            attn = new float[T * qd];
            a = new float[T * d];
            gate = new float[T * f];
            up = new float[T * f];
            coeff = new float[T * f];
            m = new float[T * d];
        }
    }
}
