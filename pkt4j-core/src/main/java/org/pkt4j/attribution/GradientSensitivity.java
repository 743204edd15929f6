package org.pkt4j.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.EmbeddingAdapter;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.LinearAdapter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * Post-Align PKT's gradient sensitivity (PKT-SPEC §5 step 1): for each seed example, the loss on its answer tokens,
 * one backward pass, and {@code S_θ += |θ ⊙ ∂L/∂θ|} for every weight of the model (the absolute value is taken per
 * example, so gradients cannot be summed over examples first).
 *
 * <p>No full fp32 copy of the model's gradients is ever held. Each linear module carries a zero-output
 * {@link LinearAdapter} "tap" whose backward receives the module's input x and output gradient dy, forms
 * ∂L/∂W = dyᵀx in one shared scratch buffer, folds {@code |W ⊙ ∂L/∂W|} into the sensitivity accumulator and clears
 * the buffer before the backward moves on; biases are folded from Σ_t dy the same way. The embedding lookup's
 * gradient is folded row by row for the ids seen. What is held, besides the memory-mapped weights and the backward's
 * activations: the accumulators (fp32, elementwise for the mapped tensors — all of them by default, i.e. one
 * model-sized array set — and one double per tensor otherwise), ONE gradient scratch buffer the size of the largest
 * matrix (the LM head, V × d, unless the head is tied; a tied head keeps its gradient in a V × d buffer until the
 * embedding's part is added, because |θ ⊙ (g_head + g_lookup)| is not the sum of the two), and fp32 gradients of
 * the norm weights (d floats each).
 *
 * <p>Accumulation is deterministic: per-row partial sums are combined in row order whatever the thread count.
 */
public final class GradientSensitivity {

    /** Receives each finished example. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (i, n, ex, loss, s) -> { };

        void onExample(int index, int total, SensitivityExample example, double loss, double seconds);
    }

    private final Llama model;
    private final ExecutionContext ctx;
    private final Predicate<String> mapped;

    /**
     * @param mapped which weights get an elementwise map (the others only a total); e.g. {@code n -> true}
     */
    public GradientSensitivity(Llama model, ExecutionContext ctx, Predicate<String> mapped) {
        this.model = model;
        this.ctx = ctx;
        this.mapped = mapped;
    }

    /** An accumulator of one weight: the elementwise map (or null) and the running total. */
    private static final class Acc {
        final Tensor weight;
        final float[] map;
        double sum;

        Acc(Tensor weight, boolean elementwise) {
            this.weight = weight;
            this.map = elementwise ? new float[Math.toIntExact(weight.numel())] : null;
        }
    }

    public Sensitivity compute(List<SensitivityExample> examples, Progress progress) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no seed examples: sensitivity needs at least one");
        }
        LlamaConfig c = model.config();
        Map<String, Acc> accs = new LinkedHashMap<>();
        model.tensors().forEach((name, t) -> accs.put(name, new Acc(t, mapped.test(name))));
        int d = c.hiddenSize(), V = c.vocabSize();
        long largest = c.tieWordEmbeddings() ? 0 : (long) V * d;
        for (int l = 0; l < c.numLayers(); l++) {
            for (Module m : Module.values()) {
                if (m.perLayer()) {
                    largest = Math.max(largest, model.weight(l, m).numel());
                }
            }
        }
        float[] scratch = new float[Math.toIntExact(largest)];
        float[] tiedGrad = c.tieWordEmbeddings() ? new float[Math.multiplyExact(V, d)] : null;

        Adapters.Builder taps = Adapters.builder();
        Set<String> covered = new HashSet<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (Module m : Module.values()) {
                if (!m.perLayer()) {
                    continue;
                }
                Tensor b = model.layer(l).bias(m);
                taps.add(l, m, new LinearTap(accs.get(m.weightName(l)), b == null ? null : accs.get(m.biasName(l)), scratch));
                covered.add(m.weightName(l));
                if (b != null) {
                    covered.add(m.biasName(l));
                }
            }
        }
        Acc embed = accs.get("model.embed_tokens.weight");
        covered.add("model.embed_tokens.weight");
        if (tiedGrad != null) {
            taps.add(-1, Module.LM_HEAD, new TiedHeadTap(tiedGrad, V, d));
        } else {
            taps.add(-1, Module.LM_HEAD, new LinearTap(accs.get("lm_head.weight"), null, scratch));
            covered.add("lm_head.weight");
        }
        taps.addEmbedding(new EmbeddingTap(embed, tiedGrad, d, ctx));
        Adapters adapters = taps.build();
        List<String> norms = new ArrayList<>();
        for (String name : accs.keySet()) {
            if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight")) {
                norms.add(name);
            }
        }
        covered.addAll(norms);
        for (String name : accs.keySet()) {
            if (!covered.contains(name)) {
                throw new IllegalStateException("no sensitivity tap for weight " + name);
            }
        }
        Gradients normGrads = Gradients.of(model, norms);

        int capacity = 0;
        for (SensitivityExample ex : examples) {
            if (ex.scoredTokens() == 0) {
                throw new IllegalArgumentException("seed example " + ex.id() + " has no scored label (all -100)");
            }
            capacity = Math.max(capacity, ex.ids().length);
        }
        LlamaBackward backward = new LlamaBackward(new LlamaForward(model, ctx), capacity);
        double[] losses = new double[examples.size()];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            SensitivityExample ex = examples.get(i);
            long t0 = System.nanoTime();
            // HF's outputs.loss: the mean over the answer tokens, backpropagated once (gradScale 1)
            double loss = backward.lossAndBackward(ex.ids(), ex.labels(), adapters, normGrads, 1.0);
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("seed example " + ex.id() + ": the loss is " + loss + "; its gradients are meaningless");
            }
            for (String n : norms) {
                Acc a = accs.get(n);
                float[] g = normGrads.get(n);
                a.sum += fold(ctx, a.weight, 0, 1, g.length, g, a.map);
            }
            losses[i] = loss;
            ids.add(ex.id());
            progress.onExample(i, examples.size(), ex, loss, (System.nanoTime() - t0) / 1e9);
        }
        Map<String, float[]> maps = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Double> sums = new LinkedHashMap<>();
        accs.forEach((name, a) -> {
            if (a.map != null) {
                maps.put(name, a.map);
            }
            shapes.put(name, a.weight.shape());
            sums.put(name, a.sum);
        });
        return new Sensitivity(c, shapes, maps, sums, ids, losses);
    }

    /**
     * {@code map[i] += |w_i · g_i|} (map may be null) and {@code g_i = 0} over the {@code rows × cols} block of w that
     * starts at row {@code row0}; returns Σ |w_i · g_i|, combined from per-row sums in row order.
     */
    static double fold(ExecutionContext ctx, Tensor w, int row0, int rows, int cols, float[] g, float[] map) {
        double[] rowSums = new double[rows];
        long base = (long) row0 * cols;
        ctx.parallelFor(rows, Math.max(1, 16384 / Math.max(1, cols)), (from, to) -> {
            float[] wr = new float[cols];
            for (int r = from; r < to; r++) {
                MatMul.loadRow(w.data(), w.dtype(), base + (long) r * cols, cols, wr);
                int o = r * cols;
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    float v = Math.abs(wr[j] * g[o + j]);
                    g[o + j] = 0f;
                    s += v;
                    if (map != null) {
                        map[(int) (base + o + j)] += v;
                    }
                }
                rowSums[r] = s;
            }
        });
        double total = 0;
        for (double s : rowSums) {
            total += s;
        }
        return total;
    }

    /** A linear module's tap: ∂L/∂W = dyᵀx (and ∂L/∂b = Σ_t dy) folded into the accumulators, nothing added to y. */
    private static final class LinearTap implements LinearAdapter {
        private final Acc weight;
        private final Acc bias;
        private final float[] scratch;
        private final int out;
        private final int in;

        LinearTap(Acc weight, Acc bias, float[] scratch) {
            this.weight = weight;
            this.bias = bias;
            this.scratch = scratch;
            this.out = weight.weight.rows();
            this.in = weight.weight.cols();
        }

        @Override
        public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
            // a tap adds nothing to the output
        }

        @Override
        public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
            // ∂(tap output)/∂x = 0: dx is left as it is
            MatMul.linearBackwardWeight(ctx, dy, 0, x, 0, rows, out, in, scratch, 0);
            weight.sum += fold(ctx, weight.weight, 0, out, in, scratch, weight.map);
            if (bias != null) {
                float[] db = new float[out];
                for (int t = 0; t < rows; t++) {
                    for (int o = 0; o < out; o++) {
                        db[o] += dy[t * out + o];
                    }
                }
                bias.sum += fold(ctx, bias.weight, 0, 1, out, db, bias.map);
            }
        }
    }

    /** A tied LM head's tap: keeps ∂L/∂W_lm for the embedding tap, which adds the lookup's part and folds once. */
    private static final class TiedHeadTap implements LinearAdapter {
        private final float[] grad;
        private final int vocab;
        private final int dim;

        TiedHeadTap(float[] grad, int vocab, int dim) {
            this.grad = grad;
            this.vocab = vocab;
            this.dim = dim;
        }

        @Override
        public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
            // a tap adds nothing to the output
        }

        @Override
        public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
            MatMul.linearBackwardWeight(ctx, dy, 0, x, 0, rows, vocab, dim, grad, 0);
        }
    }

    /**
     * The embedding's tap: per distinct id, the gradient row Σ_{t: ids[t] = id} dy[t] (plus, when tied, the head's
     * gradient for every row), folded; rows no token touched have zero lookup gradient.
     */
    private static final class EmbeddingTap implements EmbeddingAdapter {
        private final Acc embed;
        private final float[] tiedGrad;
        private final int dim;
        private final ExecutionContext ctx;

        EmbeddingTap(Acc embed, float[] tiedGrad, int dim, ExecutionContext ctx) {
            this.embed = embed;
            this.tiedGrad = tiedGrad;
            this.dim = dim;
            this.ctx = ctx;
        }

        @Override
        public void forward(int[] ids, float[] y) {
            // a tap adds nothing to the embeddings
        }

        @Override
        public void backward(int[] ids, float[] dy) {
            if (tiedGrad != null) {
                for (int t = 0; t < ids.length; t++) {
                    MatMul.axpy(1f, dy, t * dim, tiedGrad, ids[t] * dim, dim);
                }
                embed.sum += fold(ctx, embed.weight, 0, embed.weight.rows(), dim, tiedGrad, embed.map);
                return;
            }
            int[] distinct = Arrays.stream(ids).distinct().sorted().toArray();
            float[] row = new float[dim];
            for (int id : distinct) {
                for (int t = 0; t < ids.length; t++) {
                    if (ids[t] == id) {
                        MatMul.axpy(1f, dy, t * dim, row, 0, dim);
                    }
                }
                embed.sum += fold(ctx, embed.weight, id, 1, dim, row, embed.map);
            }
        }
    }
}
