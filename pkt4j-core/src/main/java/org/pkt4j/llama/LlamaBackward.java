package org.pkt4j.llama;

import org.pkt4j.llama.Activations.AttentionMemory;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.Attention;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.tensor.kernel.Ops;
import org.pkt4j.train.CausalLmLoss;

/**
 * The Llama backward pass: {@link LlamaForward} read in reverse, by hand, adding into gradient buffers
 * (llm.c style). It produces ∂L/∂W for the weights a {@link Gradients} tracks, the adapters' own
 * gradients (weight deltas, LoRA) and, along the way, every activation gradient it needs — and nothing
 * more: the LM head's logits are computed only for scored rows, layers below the lowest one that needs a
 * gradient are skipped, and within that lowest layer only the paths leading to wanted gradients are run.
 * Frozen weights are read in their stored dtype; all arithmetic is fp32.
 *
 * <p>Memory is planned once, for sequences of up to {@code capacity} tokens: the {@link Activations} the
 * forward fills, the forward's work buffers and logits ([capacity, V], which the loss turns into ∂L/∂logits
 * in place), and this pass's work buffers (one layer's worth, reused across layers).
 */
public final class LlamaBackward {
    private final LlamaForward forward;
    private final Llama model;
    private final LlamaConfig c;
    private final ExecutionContext ctx;
    private final Attention.Shape shape;
    private final Activations store;
    private final float[] dres;
    private final float[] dz;
    private final float[] datt;
    private final float[] dq;
    private final float[] dk;
    private final float[] dv;
    private final float[] dc;
    private final float[] dgate;
    private final float[] dup;
    private final float[] headIn;
    private final float[] dHeadIn;
    private final float[] attnWork;
    private final LlamaForward.Workspace work;

    /** A backward for sequences of up to {@code capacity} tokens that keeps the attention probabilities. */
    public LlamaBackward(LlamaForward forward, int capacity) {
        this(forward, capacity, AttentionMemory.STORE);
    }

    public LlamaBackward(LlamaForward forward, int capacity, AttentionMemory attentionMemory) {
        this.forward = forward;
        this.model = forward.model();
        this.c = model.config();
        this.ctx = forward.context();
        this.shape = forward.attentionShape();
        this.store = new Activations(c, capacity, attentionMemory);
        int T = capacity, d = c.hiddenSize(), f = c.intermediateSize();
        dres = new float[T * d];
        dz = new float[T * d];
        datt = new float[T * c.qDim()];
        dq = new float[T * c.qDim()];
        dk = new float[T * c.kvDim()];
        dv = new float[T * c.kvDim()];
        dc = new float[T * f];
        dgate = new float[T * f];
        dup = new float[T * f];
        headIn = new float[T * d];
        dHeadIn = new float[T * d];
        attnWork = new float[Math.toIntExact(Attention.backwardWorkSize(T, shape, attentionMemory == AttentionMemory.STORE))];
        work = new LlamaForward.Workspace(c, T, T);
    }

    public LlamaForward forward() {
        return forward;
    }

    /** The activation store the forward fills (bound to the last sequence run). */
    public Activations activations() {
        return store;
    }

    /**
     * Forward, Hugging Face causal-LM loss (PKT-SPEC §1) and backward of one sequence: adds
     * {@code gradScale · ∂loss/∂θ} into {@code grads} and the adapters. A non-finite loss skips the backward.
     *
     * @param labels    one per id; {@code labels[t + 1]} is the target of position t, -100 = not scored
     * @param gradScale 1 for the sequence's mean loss; 1/B to average over a batch of B sequences, ...
     * @return the mean cross-entropy over the scored positions
     */
    public double lossAndBackward(int[] ids, int[] labels, Adapters adapters, Gradients grads, double gradScale) {
        if (labels.length != ids.length) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries, ids " + ids.length);
        }
        int[] rows = CausalLmLoss.scoredRows(labels);
        if (rows.length == 0) {
            throw new IllegalArgumentException("no label is scored (every target is -100): nothing to learn from this sequence");
        }
        float[] logits = forward.forward(ids, store.cache, adapters, ForwardTrace.NONE, store, rows, work);
        // the loss writes ∂loss/∂logits over the logits themselves (row by row, after reading each row)
        double loss = CausalLmLoss.lossOnRows(ctx, logits, rows, labels, c.vocabSize(), logits, gradScale);
        if (Double.isFinite(loss)) {
            backward(rows, logits, adapters, grads);
        }
        return loss;
    }

    /**
     * The backward of the forward that last filled {@link #activations()}, from {@code dlogits} =
     * ∂L/∂logits [R, V] of the logit rows {@code rows} (indices into the sequence; null = all T rows).
     */
    public void backward(int[] rows, float[] dlogits, Adapters adapters, Gradients grads) {
        if (!grads.config().equals(c)) {
            throw new IllegalArgumentException("the gradients were planned for another model config");
        }
        final int T = store.tokens(), d = c.hiddenSize(), L = c.numLayers(), V = c.vocabSize();
        if (T == 0) {
            throw new IllegalStateException("backward before a forward: the activation store is empty");
        }
        final int R = rows == null ? T : rows.length;
        if (dlogits.length < R * V) {
            throw new IllegalArgumentException("dlogits has " + dlogits.length + " values, expected " + R + " x " + V);
        }
        final int low = Math.min(grads.lowestLayer(), adapters.lowestLayer(L));
        final boolean needEmbedding = grads.embedLookup() != null || !adapters.embedding().isEmpty();
        final boolean needHidden = low < L || grads.finalNorm() != null;

        // LM head: logits = n · W_lmᵀ on the rows; dW_lm += dlogitsᵀ n, dn = dlogits · W_lm
        for (int i = 0; i < R; i++) {
            System.arraycopy(store.finalNormed, (rows == null ? i : rows[i]) * d, headIn, i * d, d);
        }
        Tensor lmHead = model.lmHead();
        float[] gLm = grads.weight(-1, Module.LM_HEAD);
        if (gLm != null) {
            MatMul.linearBackwardWeight(ctx, dlogits, 0, headIn, 0, R, V, d, gLm, 0);
        }
        if (needHidden) {
            MatMul.linearBackwardInput(ctx, dlogits, 0, R, V, lmHead, dHeadIn, 0, false);
        }
        adapters.backward(ctx, -1, Module.LM_HEAD, headIn, dlogits, R, needHidden ? dHeadIn : null);
        if (!needHidden) {
            return;
        }

        // final norm: n = RMSNorm(h_L); rows that were not scored get no gradient from the head
        java.util.Arrays.fill(dz, 0, T * d, 0f);
        for (int i = 0; i < R; i++) {
            Ops.add(dz, (rows == null ? i : rows[i]) * d, dHeadIn, i * d, d);
        }
        java.util.Arrays.fill(dres, 0, T * d, 0f);
        Ops.rmsNormBackward(store.finalHidden, T, d, model.norm(), store.invRmsFinal, dz, low < L ? dres : null, grads.finalNorm());

        float[][] tables = forward.rope().tables(0, T);
        for (int l = L - 1; l >= low; l--) {
            layerBackward(l, T, l > low || needEmbedding, tables, adapters, grads);
        }

        // embeddings: x_0[t] = E[ids[t]] (+ adapters); scatter-add only the rows seen
        if (needEmbedding) {
            int[] ids = store.idsView();
            if (grads.embedLookup() != null) {
                Ops.embeddingBackward(ids, dres, d, grads.embedLookup());
            }
            for (EmbeddingAdapter a : adapters.embedding()) {
                a.backward(ids, dres);
            }
        }
    }

    /**
     * One decoder layer in reverse. On entry {@code dres} holds ∂L/∂h_l (the layer output); on exit, when
     * {@code below}, ∂L/∂x_l (the layer input).
     */
    private void layerBackward(int l, int T, boolean below, float[][] tables, Adapters adapters, Gradients grads) {
        final int d = c.hiddenSize(), f = c.intermediateSize();
        LayerWeights w = model.layer(l);
        boolean attnParams = wants(l, grads, adapters, Module.Q, Module.K, Module.V, Module.O) || grads.inputNorm(l) != null;
        boolean needDr = attnParams || below;
        boolean needDz2 = needDr || grads.postNorm(l) != null;
        boolean needDc = needDz2 || wants(l, grads, adapters, Module.GATE, Module.UP);

        // MLP block, h = r + m: m = c · W_downᵀ, so dm = dres
        linearBackward(l, Module.DOWN, w, store.coeff[l], dres, T, needDc ? dc : null, false, adapters, grads);
        if (needDc) {
            // c = silu(g) * u
            Ops.swigluBackward(store.gate[l], store.up[l], dc, dgate, dup, T * f);
            // g = z2 · W_gateᵀ, u = z2 · W_upᵀ
            linearBackward(l, Module.GATE, w, store.normed2[l], dgate, T, needDz2 ? dz : null, false, adapters, grads);
            linearBackward(l, Module.UP, w, store.normed2[l], dup, T, needDz2 ? dz : null, true, adapters, grads);
            // z2 = RMSNorm(r): dr = dres + ∂z2/∂r · dz2
            if (needDz2) {
                Ops.rmsNormBackward(store.residual[l], T, d, w.postNorm(), store.invRms2[l], dz,
                        needDr ? dres : null, grads.postNorm(l));
            }
        }
        if (!needDr) {
            return;
        }

        // attention block, r = x + a: a = att · W_oᵀ, so da = dr
        boolean needDz1 = below || grads.inputNorm(l) != null;
        boolean needQkv = needDz1 || wants(l, grads, adapters, Module.Q, Module.K, Module.V);
        linearBackward(l, Module.O, w, store.attn[l], dres, T, needQkv ? datt : null, false, adapters, grads);
        if (!needQkv) {
            return;
        }
        // causal (GQA) attention over the rotated q, k and the values
        Attention.backward(ctx, store.q[l], store.cache.keys(l), store.cache.values(l), T, shape, store.probs[l],
                datt, dq, dk, dv, attnWork);
        // RoPE: the backward of a rotation is the inverse rotation
        forward.rope().apply(dq, T, c.numHeads(), tables, true);
        forward.rope().apply(dk, T, c.numKvHeads(), tables, true);
        // q, k, v = z1 · Wᵀ (+ bias)
        linearBackward(l, Module.Q, w, store.normed1[l], dq, T, needDz1 ? dz : null, false, adapters, grads);
        linearBackward(l, Module.K, w, store.normed1[l], dk, T, needDz1 ? dz : null, true, adapters, grads);
        linearBackward(l, Module.V, w, store.normed1[l], dv, T, needDz1 ? dz : null, true, adapters, grads);
        // z1 = RMSNorm(x): dx = dr + ∂z1/∂x · dz1
        if (needDz1) {
            Ops.rmsNormBackward(store.layerInput[l], T, d, w.inputNorm(), store.invRms1[l], dz,
                    below ? dres : null, grads.inputNorm(l));
        }
    }

    /**
     * The backward of {@code y = x · Wᵀ + b + Σ adapters(x)}: dW += dyᵀ x and db += Σ_t dy when tracked,
     * the adapters' own gradients, and dx (=, or += when {@code accumulate}) = dy · W + Σ ∂adapter/∂x when
     * {@code dx} is non-null.
     */
    private void linearBackward(int l, Module m, LayerWeights w, float[] x, float[] dy, int rows, float[] dx,
                                boolean accumulate, Adapters adapters, Gradients grads) {
        Tensor wt = w.weight(m);
        float[] gw = grads.weight(l, m);
        if (gw != null) {
            MatMul.linearBackwardWeight(ctx, dy, 0, x, 0, rows, wt.rows(), wt.cols(), gw, 0);
        }
        float[] gb = grads.bias(l, m);
        if (gb != null) {
            Ops.addBiasBackward(dy, rows, wt.rows(), gb);
        }
        if (dx != null) {
            MatMul.linearBackwardInput(ctx, dy, 0, rows, wt.rows(), wt, dx, 0, accumulate);
        }
        adapters.backward(ctx, l, m, x, dy, rows, dx);
    }

    private static boolean wants(int l, Gradients grads, Adapters adapters, Module... modules) {
        for (Module m : modules) {
            if (grads.weight(l, m) != null || grads.bias(l, m) != null || !adapters.on(l, m).isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
