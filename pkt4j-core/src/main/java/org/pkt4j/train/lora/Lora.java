package org.pkt4j.train.lora;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.train.ModelExport;
import org.pkt4j.train.Param;
import org.pkt4j.train.TrainableModel;

/**
 * LoRA adapters on a frozen model: one {@link LoraLinear} per targeted module of every layer (and on
 * lm_head), one {@link LoraEmbedding} on embed_tokens, in PEFT's layout and naming. The base weights stay
 * memory-mapped in their stored dtype; only A and B train (fp32). Parameter names are PEFT's keys without
 * the {@code base_model.model.} prefix ({@code model.layers.0.self_attn.q_proj.lora_A.weight},
 * {@code model.embed_tokens.lora_embedding_A}).
 */
public final class Lora implements TrainableModel {
    public static final String EMBED_A = "model.embed_tokens.lora_embedding_A";
    public static final String EMBED_B = "model.embed_tokens.lora_embedding_B";

    private final Llama model;
    private final LoraConfig config;
    private final Map<String, LoraLinear> linear;
    private final LoraEmbedding embedding;
    private final Adapters adapters;
    private final List<Param> params;
    private final Gradients none;

    /** Supplies the A and B of each adapter. */
    private interface Factory {
        LoraLinear linear(String path, int in, int out);

        LoraEmbedding embedding(int vocab, int dim);
    }

    private Lora(Llama model, LoraConfig config, Factory factory) {
        this.model = model;
        this.config = config;
        LlamaConfig c = model.config();
        Map<String, LoraLinear> lin = new LinkedHashMap<>();
        Adapters.Builder ab = Adapters.builder();
        List<Param> ps = new ArrayList<>();
        LoraEmbedding emb = null;
        if (config.targets().contains(Module.EMBED)) {
            checkRank("model.embed_tokens", c.vocabSize(), c.hiddenSize());
            emb = factory.embedding(c.vocabSize(), c.hiddenSize());
            ab.addEmbedding(emb);
            ps.add(new Param(EMBED_A, emb.a(), emb.gradA(), new long[] {config.rank(), c.vocabSize()}, true));
            ps.add(new Param(EMBED_B, emb.b(), emb.gradB(), new long[] {c.hiddenSize(), config.rank()}, true));
        }
        for (int l = 0; l < c.numLayers(); l++) {
            for (Module m : Module.values()) {
                if (m.perLayer() && config.targets().contains(m)) {
                    add(l, m, factory, lin, ab, ps);
                }
            }
        }
        if (config.targets().contains(Module.LM_HEAD)) {
            add(-1, Module.LM_HEAD, factory, lin, ab, ps);
        }
        this.linear = Collections.unmodifiableMap(lin);
        this.embedding = emb;
        this.adapters = ab.build();
        this.params = List.copyOf(ps);
        this.none = Gradients.none(model);
    }

    private void add(int layer, Module m, Factory factory, Map<String, LoraLinear> lin, Adapters.Builder ab, List<Param> ps) {
        Tensor w = model.weight(layer, m);
        String path = m.path(layer);
        checkRank(path, w.rows(), w.cols());
        LoraLinear a = factory.linear(path, w.cols(), w.rows());
        lin.put(path, a);
        ab.add(layer, m, a);
        ps.add(new Param(path + ".lora_A.weight", a.a(), a.gradA(), new long[] {a.rank(), a.in()}, true));
        ps.add(new Param(path + ".lora_B.weight", a.b(), a.gradB(), new long[] {a.out(), a.rank()}, true));
    }

    private void checkRank(String path, int rows, int cols) {
        checkRank(config, path, rows, cols);
    }

    private static void checkRank(LoraConfig config, String path, int rows, int cols) {
        if (config.rank() > Math.min(rows, cols)) {
            throw new IllegalArgumentException("LoRA rank " + config.rank() + " exceeds min(out, in) = " + Math.min(rows, cols)
                    + " of " + path + " [" + rows + ", " + cols + "]");
        }
    }

    /** Checks that {@code config} fits {@code model} (every targeted matrix has rank room), without allocating. */
    public static void validate(Llama model, LoraConfig config) {
        for (Module m : config.targets()) {
            if (m == Module.EMBED) {
                checkRank(config, m.path(0), model.config().vocabSize(), model.config().hiddenSize());
            } else {
                Tensor w = model.weight(0, m);
                checkRank(config, m.path(0), w.rows(), w.cols());
            }
        }
    }

    /** Adapters initialised as PEFT does (linear: A kaiming-uniform, B = 0; embedding: A = 0, B ~ N(0, 1)), seeded. */
    public static Lora attach(Llama model, LoraConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double s = config.scaling();
        return new Lora(model, config, new Factory() {
            @Override
            public LoraLinear linear(String path, int in, int out) {
                return LoraLinear.peftInit(path, in, out, config.rank(), s, config.dropout(), rng.split());
            }

            @Override
            public LoraEmbedding embedding(int vocab, int dim) {
                return LoraEmbedding.peftInit(vocab, dim, config.rank(), s, rng.split());
            }
        });
    }

    /**
     * Adapters with explicit weights (a PEFT file, a Post-Align SVD init), by parameter name; every adapter
     * the config implies must be present with its exact size. The arrays are copied.
     */
    public static Lora withWeights(Llama model, LoraConfig config, Map<String, float[]> weights) {
        double s = config.scaling();
        int r = config.rank();
        Lora lora = new Lora(model, config, new Factory() {
            @Override
            public LoraLinear linear(String path, int in, int out) {
                return new LoraLinear(path, in, out, r, s, config.dropout(), take(weights, path + ".lora_A.weight", r * in),
                        take(weights, path + ".lora_B.weight", out * r));
            }

            @Override
            public LoraEmbedding embedding(int vocab, int dim) {
                return new LoraEmbedding(vocab, dim, r, s, take(weights, EMBED_A, r * vocab), take(weights, EMBED_B, dim * r));
            }
        });
        for (String name : weights.keySet()) {
            if (lora.param(name) == null) {
                throw new IllegalArgumentException("LoRA weight " + name + " belongs to no adapter of the configuration (targets "
                        + config.targetNames() + ")");
            }
        }
        return lora;
    }

    private static float[] take(Map<String, float[]> weights, String name, int size) {
        float[] v = weights.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing LoRA weight " + name);
        }
        if (v.length != size) {
            throw new IllegalArgumentException("LoRA weight " + name + " has " + v.length + " values, expected " + size);
        }
        return v.clone();
    }

    public LoraConfig config() {
        return config;
    }

    /** The linear adapters by module path, in layer order (lm_head last). */
    public Map<String, LoraLinear> linear() {
        return linear;
    }

    /** The embedding adapter, or null when embed_tokens is not a target. */
    public LoraEmbedding embedding() {
        return embedding;
    }

    /** A parameter by name, or null. */
    public Param param(String name) {
        for (Param p : params) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public Llama model() {
        return model;
    }

    @Override
    public Adapters adapters() {
        return adapters;
    }

    @Override
    public Gradients gradients() {
        return none;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public void beginMicroBatch(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (LoraLinear a : linear.values()) {
            a.reseed(rng.nextLong());
        }
    }

    @Override
    public void setTraining(boolean training) {
        for (LoraLinear a : linear.values()) {
            a.setTraining(training);
        }
    }

    /**
     * The merged weights {@code W + s·B·A} in fp32 by tensor name (embedding: {@code E + s·(B·A)ᵀ}). Refused for
     * an adapter on a tied embedding or LM head: merging it would change both uses of the shared matrix.
     */
    public Map<String, float[]> mergedWeights(ExecutionContext ctx) {
        LlamaConfig c = model.config();
        Map<String, float[]> out = new LinkedHashMap<>();
        if (c.tieWordEmbeddings() && (embedding != null || config.targets().contains(Module.LM_HEAD))) {
            throw new IllegalArgumentException("cannot merge a LoRA adapter on " + (embedding != null ? "embed_tokens" : "lm_head")
                    + " of a model with tied embeddings (the merged matrix would change both the lookup and the head); "
                    + "keep the adapter separate (PEFT layout)");
        }
        for (LoraLinear a : linear.values()) {
            String name = a.path() + ".weight";
            float[] w = model.tensors().get(name).toFloatArray();
            // W[out, in] += s · B[out, r] · A[r, in]: a product x · Wᵀ with x = B and W = Aᵀ
            float[] sb = a.b().clone();
            for (int i = 0; i < sb.length; i++) {
                sb[i] *= a.scale();
            }
            MatMul.linear(ctx, sb, 0, a.out(), a.rank(), Tensor.ofFloats("A^T", transpose(a.a(), a.rank(), a.in()), a.in(), a.rank()),
                    w, 0, true);
            out.put(name, w);
        }
        if (embedding != null) {
            String name = "model.embed_tokens.weight";
            float[] e = model.tensors().get(name).toFloatArray();
            // E[V, d] += s · (B[d, r] · A[r, V])ᵀ = s · Aᵀ · Bᵀ: x = Aᵀ [V, r], W = B [d, r]
            float[] at = transpose(embedding.a(), embedding.rank(), embedding.vocab());
            for (int i = 0; i < at.length; i++) {
                at[i] *= embedding.scale();
            }
            MatMul.linear(ctx, at, 0, embedding.vocab(), embedding.rank(),
                    Tensor.ofFloats("B", embedding.b(), embedding.dim(), embedding.rank()), e, 0, true);
            out.put(name, e);
        }
        return out;
    }

    /** Writes the merged model like its base checkpoint (names, dtype, sharding, tokenizer files). */
    public void writeMerged(Path dest, boolean force, ExecutionContext ctx) throws IOException {
        ModelExport.write(model, mergedWeights(ctx), dest, force);
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }
}
