package org.pkt4j.postalign;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.EmbeddingAdapter;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.LinearAdapter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.train.ModelExport;
import org.pkt4j.train.Param;
import org.pkt4j.train.TrainableModel;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;
import org.pkt4j.train.lora.LoraEmbedding;
import org.pkt4j.train.lora.LoraLinear;

/**
 * The target being fine-tuned in Post-Align PKT (PKT-SPEC §5 step 5): LoRA initialised with the extracted factors
 * (B₀, A₀), and beside every LoRA a frozen adapter adding {@code −s·B₀A₀}, so that the starting model is
 * {@code W_t − s·B₀A₀ + s·B·A = W_t}: the target itself, up to one rounding per output. The reference instead
 * subtracts B₀A₀ from the base weights (it merges a copy of the adapter with A negated); here the base stays
 * memory-mapped and unmodified — no fp32 copy of a frozen weight — and the subtraction is applied once more when
 * merging: {@code W = W_t + s·(B·A − B₀·A₀)}, rounded once to the target's dtype.
 *
 * <p>Only the LoRA's A and B train. Dropout (PEFT's, on the LoRA input) does not touch the frozen branch, which
 * stands for the modified base weight.
 */
public final class PostAlignLora implements TrainableModel {
    private final Llama target;
    private final Lora lora;
    private final Lora extracted;
    private final Adapters adapters;

    private PostAlignLora(Llama target, Lora lora, Lora extracted, Adapters adapters) {
        this.target = target;
        this.lora = lora;
        this.extracted = extracted;
        this.adapters = adapters;
    }

    /** LoRA on {@code target} initialised with {@code initial} (by {@link Lora} parameter name), plus the frozen −B₀A₀. */
    public static PostAlignLora start(Llama target, LoraConfig config, Map<String, float[]> initial) {
        Lora lora = Lora.withWeights(target, config, initial);
        Lora extracted = Lora.withWeights(target, config, initial);
        float s = (float) config.scaling();
        Adapters.Builder b = Adapters.builder();
        if (extracted.embedding() != null) {
            b.addEmbedding(new FrozenEmbedding(extracted.embedding(), -s));
            b.addEmbedding(lora.embedding());
        }
        for (int l = 0; l < target.config().numLayers(); l++) {
            for (Module m : Module.values()) {
                if (m.perLayer()) {
                    pair(b, l, m, lora.linear().get(m.path(l)), extracted, -s);
                }
            }
        }
        pair(b, -1, Module.LM_HEAD, lora.linear().get(Module.LM_HEAD.path(0)), extracted, -s);
        return new PostAlignLora(target, lora, extracted, b.build());
    }

    /** Attaches the frozen −s·B₀A₀ and then the trainable LoRA to a module, when the LoRA targets it. */
    private static void pair(Adapters.Builder b, int layer, Module m, LoraLinear trainable, Lora extracted, float negScale) {
        if (trainable != null) {
            b.add(layer, m, new FrozenLinear(extracted.linear().get(trainable.path()), negScale));
            b.add(layer, m, trainable);
        }
    }

    /** The trainable LoRA (write it with {@code PeftAdapter.write}: the fine-tuned adapter). */
    public Lora lora() {
        return lora;
    }

    /** The extracted LoRA (B₀, A₀), frozen: what the transfer starts from, and what the base has subtracted. */
    public Lora extracted() {
        return extracted;
    }

    @Override
    public Llama model() {
        return target;
    }

    @Override
    public Adapters adapters() {
        return adapters;
    }

    @Override
    public Gradients gradients() {
        return lora.gradients();
    }

    @Override
    public List<Param> params() {
        return lora.params();
    }

    @Override
    public void beginMicroBatch(long seed) {
        lora.beginMicroBatch(seed);
    }

    @Override
    public void setTraining(boolean training) {
        lora.setTraining(training);
    }

    /** The tensors merging changes: every LoRA'd weight, plus {@code lm_head.weight} when a tied target gets untied. */
    public List<String> mergedNames() {
        List<String> out = new ArrayList<>();
        if (lora.embedding() != null) {
            out.add("model.embed_tokens.weight");
        }
        for (LoraLinear a : lora.linear().values()) {
            out.add(a.path() + ".weight");
        }
        return out;
    }

    /**
     * The merged value of one weight in fp32: {@code W_t + s·(B·A − B₀·A₀)} (embedding: {@code E + s·(B·A − B₀·A₀)ᵀ}),
     * the difference formed in one product of the concatenated factors {@code [B | −B₀]·[A ; A₀]}. For a tied target
     * {@code lm_head.weight} is the shared matrix plus the head's own difference.
     */
    public float[] merged(String name, ExecutionContext ctx) {
        if (name.equals("model.embed_tokens.weight")) {
            LoraEmbedding e = lora.embedding(), e0 = extracted.embedding();
            if (e == null) {
                throw new IllegalArgumentException("embed_tokens carries no LoRA");
            }
            int r = e.rank(), V = e.vocab(), d = e.dim();
            float s = e.scale();
            float[] w = target.embed().toFloatArray();
            // E[V, d] += x[V, 2r] · W[d, 2r]ᵀ with x = [Aᵀ | A₀ᵀ], W = [s·B | −s·B₀]
            float[] x = new float[V * 2 * r];
            float[] wt = new float[d * 2 * r];
            for (int k = 0; k < r; k++) {
                for (int v = 0; v < V; v++) {
                    x[v * 2 * r + k] = e.a()[k * V + v];
                    x[v * 2 * r + r + k] = e0.a()[k * V + v];
                }
                for (int i = 0; i < d; i++) {
                    wt[i * 2 * r + k] = s * e.b()[i * r + k];
                    wt[i * 2 * r + r + k] = -s * e0.b()[i * r + k];
                }
            }
            MatMul.linear(ctx, x, 0, V, 2 * r, Tensor.ofFloats("[sB | -sB0]", wt, d, 2 * r), w, 0, true);
            return w;
        }
        String path = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
        LoraLinear a = lora.linear().get(path), a0 = extracted.linear().get(path);
        if (a == null) {
            throw new IllegalArgumentException(name + " carries no LoRA");
        }
        Tensor base = path.equals("lm_head") ? target.lmHead() : target.tensors().get(name);
        if (base == null) {
            throw new IllegalArgumentException("no weight " + name + " in the target");
        }
        int r = a.rank(), out = a.out(), in = a.in();
        float s = a.scale();
        float[] w = base.toFloatArray();
        // W[out, in] += x[out, 2r] · W'[in, 2r]ᵀ with x = [s·B | −s·B₀], W' = [A ; A₀]ᵀ
        float[] x = new float[out * 2 * r];
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < r; k++) {
                x[i * 2 * r + k] = s * a.b()[i * r + k];
                x[i * 2 * r + r + k] = -s * a0.b()[i * r + k];
            }
        }
        float[] at = new float[in * 2 * r];
        for (int k = 0; k < r; k++) {
            for (int j = 0; j < in; j++) {
                at[j * 2 * r + k] = a.a()[k * in + j];
                at[j * 2 * r + r + k] = a0.a()[k * in + j];
            }
        }
        MatMul.linear(ctx, x, 0, out, 2 * r, Tensor.ofFloats("[A ; A0]^T", at, in, 2 * r), w, 0, true);
        return w;
    }

    /**
     * Writes the merged model as a Hugging Face directory in the target's layout (tensor names, order, dtype,
     * sharding, tokenizer files), one merged tensor in memory at a time. A tied target whose LM head carries a LoRA
     * cannot stay tied (the lookup and the head have different edits): it is written untied, with its own
     * {@code lm_head.weight} (in the embedding's shard) and {@code tie_word_embeddings: false}.
     */
    public void writeMerged(Path dest, boolean force, ExecutionContext ctx) throws IOException {
        Checkpoint ck = target.checkpoint();
        if (ck == null) {
            throw new IllegalArgumentException("the target was built in memory: merging writes in its checkpoint's layout");
        }
        List<String> names = mergedNames();
        boolean untie = target.config().tieWordEmbeddings() && lora.linear().containsKey("lm_head");
        List<PendingTensor> pending = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : ck.tensors().entrySet()) {
            Tensor t = e.getValue();
            pending.add(names.contains(e.getKey())
                    ? new PendingTensor(e.getKey(), t.dtype(), t.shape(), () -> ModelExport.stored(t, merged(t.name(), ctx)))
                    : PendingTensor.of(e.getKey(), t));
        }
        Map<String, String> shardOf = ck.shardOf();
        com.fasterxml.jackson.databind.JsonNode config = ck.configJson();
        if (untie) {
            Tensor e = target.embed();
            pending.add(new PendingTensor("lm_head.weight", e.dtype(), e.shape(),
                    () -> ModelExport.stored(e.withName("lm_head.weight"), merged("lm_head", ctx))));
            if (shardOf != null) {
                shardOf = new LinkedHashMap<>(shardOf);
                shardOf.put("lm_head.weight", shardOf.get("model.embed_tokens.weight"));
            }
            ObjectNode cfg = config.deepCopy();
            cfg.put("tie_word_embeddings", false);
            config = cfg;
        }
        CheckpointWriter.write(dest, config, pending, shardOf, CheckpointWriter.sideFiles(ck.dir()), force);
    }

    /** {@code y += scale·(x·A₀ᵀ)·B₀ᵀ} with frozen factors (scale = −s): no parameters, only ∂/∂x in the backward. */
    static final class FrozenLinear implements LinearAdapter {
        private final Tensor a;
        private final Tensor b;
        private final int rank;
        private final int in;
        private final int out;
        private final float scale;
        private float[] work = new float[0];

        FrozenLinear(LoraLinear factors, float scale) {
            this.a = Tensor.ofFloats(factors.path() + ".lora_A.frozen", factors.a(), factors.rank(), factors.in());
            this.b = Tensor.ofFloats(factors.path() + ".lora_B.frozen", factors.b(), factors.out(), factors.rank());
            this.rank = factors.rank();
            this.in = factors.in();
            this.out = factors.out();
            this.scale = scale;
        }

        @Override
        public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
            work = work.length >= rows * rank ? work : new float[rows * rank];
            // the same operations as LoraLinear's forward, so that at the start the two cancel to one rounding
            MatMul.linear(ctx, x, 0, rows, in, a, work, 0, false);
            for (int i = 0; i < rows * rank; i++) {
                work[i] *= scale;
            }
            MatMul.linear(ctx, work, 0, rows, rank, b, y, 0, true);
        }

        @Override
        public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
            if (dx == null) {
                return;
            }
            work = work.length >= rows * rank ? work : new float[rows * rank];
            // dx += scale · (dy · B₀) · A₀
            MatMul.linearBackwardInput(ctx, dy, 0, rows, out, b, work, 0, false);
            for (int i = 0; i < rows * rank; i++) {
                work[i] *= scale;
            }
            MatMul.linearBackwardInput(ctx, work, 0, rows, rank, a, dx, 0, true);
        }
    }

    /** {@code e(id) += scale·B₀·A₀[:, id]} with frozen factors: nothing to train, nothing to propagate. */
    static final class FrozenEmbedding implements EmbeddingAdapter {
        private final LoraEmbedding factors;
        private final float scale;

        FrozenEmbedding(LoraEmbedding factors, float scale) {
            this.factors = factors;
            this.scale = scale;
        }

        @Override
        public void forward(int[] ids, float[] y) {
            int r = factors.rank(), V = factors.vocab(), d = factors.dim();
            float[] col = new float[r];
            for (int t = 0; t < ids.length; t++) {
                for (int k = 0; k < r; k++) {
                    col[k] = scale * factors.a()[k * V + ids[t]];
                }
                for (int i = 0; i < d; i++) {
                    float s = 0f;
                    for (int k = 0; k < r; k++) {
                        s += factors.b()[i * r + k] * col[k];
                    }
                    y[t * d + i] += s;
                }
            }
        }

        @Override
        public void backward(int[] ids, float[] dy) {
            // frozen, and the embedding is the first operation: nothing to do
        }
    }
}
