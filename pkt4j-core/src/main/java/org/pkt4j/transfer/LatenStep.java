package org.pkt4j.transfer;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.CausalLmLoss;
import org.pkt4j.train.TrainingDivergedException;

/**
 * The gradient of one LaTen step (PKT-SPEC §4, training 2.): with H fixed, for every micro-batch (one
 * sequence, at its own length) inject H(knowledge) into the target, take
 * {@code L_b = CE_T(b) + 1000 · Σ_m mean(H_m(knowledge)²)} and its gradient, and SUM the gradients over the
 * micro-batches into H.
 *
 * <p>Because H does not change within a step, H(knowledge) is computed once, ∂CE/∂translated is summed in the
 * deltas over the micro-batches, and H's backward runs once on that sum plus the MSE term's gradient counted
 * once per micro-batch ({@code B · 2000 · x / N_m}). This equals the reference's B separate backward passes
 * exactly in real arithmetic (the chain rule is linear in ∂L/∂translated); only the float summation order
 * differs. A micro-batch with nothing to score (every label -100, e.g. a prompt cut at the cutoff) has a NaN
 * loss that the reference skips, MSE included; it is skipped here the same way.
 */
public final class LatenStep {
    /** The weight of the MSE regulariser on H's output. */
    public static final double MSE_WEIGHT = 1000;

    /**
     * What one step measured.
     *
     * @param lmLoss          CE of the target with the deltas, per micro-batch (NaN where nothing is scored)
     * @param mse             Σ_m mean(H_m(knowledge)²), the same for every micro-batch
     * @param scored          micro-batches that contributed (not skipped)
     * @param forwardSeconds  translation and the edited forward passes (loss included)
     * @param backwardSeconds the target's backward passes into the deltas and H's backward
     */
    public record Result(double[] lmLoss, double mse, int scored, double forwardSeconds, double backwardSeconds) {

        /** The mean LM loss over the micro-batches that were scored. */
        public double meanLmLoss() {
            double s = 0;
            for (double l : lmLoss) {
                if (!Double.isNaN(l)) {
                    s += l;
                }
            }
            return scored == 0 ? Double.NaN : s / scored;
        }
    }

    private final Llama target;
    private final ExecutionContext ctx;
    private final LlamaBackward backward;
    private final Gradients none;
    private final KvCache plainCache;
    private final int capacity;

    /** A step engine for sequences of up to {@code capacity} tokens (work buffers are planned once). */
    public LatenStep(Llama target, ExecutionContext ctx, int capacity) {
        this.target = target;
        this.ctx = ctx;
        this.capacity = capacity;
        this.backward = new LlamaBackward(new LlamaForward(target, ctx), capacity);
        this.none = Gradients.none(target);
        this.plainCache = new KvCache(target.config(), capacity);
    }

    /**
     * Clears H's gradients, then accumulates the step's summed gradient into them.
     *
     * @param h     the hypernetwork (read, and its gradient buffers written)
     * @param plan  this step's layer and neuron pairs with the extracted knowledge
     * @param batch the micro-batches in processing order
     */
    public Result run(Hypernetwork h, TransferPlan plan, List<TokenizedExample> batch) {
        long t0 = System.nanoTime();
        h.zeroGrad();
        Map<Module, Hypernetwork.Translation> translations = new EnumMap<>(Module.class);
        Map<Module, float[]> outputs = new EnumMap<>(Module.class);
        Injection.checkWidths(plan, KnowledgeMap.of(h, Map.of()));
        double mse = 0;
        for (Module m : plan.modules()) {
            Hypernetwork.Translation t = h.translate(ctx, m, Injection.sourceVectors(plan, m), Injection.vectorCount(plan, m));
            translations.put(m, t);
            outputs.put(m, t.output());
            mse += meanSquare(t.output());
        }
        Injection injection = Injection.of(plan, target, outputs);
        Adapters adapters = injection.adapters();
        double forward = (System.nanoTime() - t0) / 1e9, back = 0;
        double[] lm = new double[batch.size()];
        int scored = 0;
        int V = target.config().vocabSize();
        for (int b = 0; b < batch.size(); b++) {
            TokenizedExample ex = batch.get(b);
            checkLength(ex, b);
            int[] rows = CausalLmLoss.scoredRows(ex.labels());
            if (rows.length == 0) {
                lm[b] = Double.NaN;
                continue;
            }
            long f0 = System.nanoTime();
            float[] logits = backward.forward().forward(ex.ids(), adapters, backward.activations(), rows);
            // the loss writes ∂CE/∂logits over the logits (each row read before it is overwritten)
            lm[b] = CausalLmLoss.lossOnRows(ctx, logits, rows, ex.labels(), V, logits, 1.0);
            long f1 = System.nanoTime();
            if (!Double.isFinite(lm[b])) {
                throw new TrainingDivergedException("the target's LM loss is " + lm[b] + " on micro-batch " + b + " of the step");
            }
            backward.backward(rows, logits, adapters, none);
            forward += (f1 - f0) / 1e9;
            back += (System.nanoTime() - f1) / 1e9;
            scored++;
        }
        long b0 = System.nanoTime();
        for (Module m : plan.modules()) {
            float[] x = outputs.get(m);
            float[] dOut = injection.gradient(m);
            // ∂/∂x of MSE_WEIGHT · mean(x²), once per scored micro-batch
            float c = (float) (scored * 2 * MSE_WEIGHT / x.length);
            for (int i = 0; i < x.length; i++) {
                dOut[i] += c * x[i];
            }
            h.backward(ctx, translations.get(m), dOut);
        }
        back += (System.nanoTime() - b0) / 1e9;
        return new Result(lm, mse, scored, forward, back);
    }

    /** The target's own loss on a sequence, without any delta (the log's unedited loss); NaN when nothing is scored. */
    public double uneditedLoss(TokenizedExample ex) {
        checkLength(ex, 0);
        int[] rows = CausalLmLoss.scoredRows(ex.labels());
        if (rows.length == 0) {
            return Double.NaN;
        }
        plainCache.truncate(0);
        float[] logits = backward.forward().forward(ex.ids(), plainCache, Adapters.NONE, ForwardTrace.NONE, null, rows);
        return CausalLmLoss.lossOnRows(ctx, logits, rows, ex.labels(), target.config().vocabSize(), null, 1.0);
    }

    private void checkLength(TokenizedExample ex, int b) {
        if (ex.ids().length > capacity) {
            throw new IllegalArgumentException("micro-batch " + b + " has " + ex.ids().length + " tokens, the step was planned for "
                    + capacity);
        }
    }

    /** mean(x²), accumulated in double. */
    static double meanSquare(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return x.length == 0 ? 0 : s / x.length;
    }
}
