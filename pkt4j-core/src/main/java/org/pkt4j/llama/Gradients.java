package org.pkt4j.llama;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.pkt4j.tensor.Tensor;

/**
 * fp32 gradient buffers for a chosen set of a model's weights, by Hugging Face tensor name: ∂L/∂W taken
 * w.r.t. the weight as the forward reads it (an F16/BF16 weight upcast exactly to fp32).
 * {@link LlamaBackward} adds into them ({@code +=}); {@link #zero} clears them between optimizer steps.
 * Weights not asked for get no buffer and cost no work; layers below the lowest one that needs a gradient
 * are not visited at all. With tied embeddings {@code model.embed_tokens.weight} receives both the lookup's
 * and the LM head's contributions.
 */
public final class Gradients {
    private final LlamaConfig config;
    private final Map<String, float[]> buffers;
    private final float[][][] weight;
    private final float[][][] bias;
    private final float[][] inputNorm;
    private final float[][] postNorm;
    private final float[] finalNorm;
    private final float[] embed;
    private final float[] lmHead;
    private final int lowestLayer;

    private Gradients(Llama model, Set<String> names) {
        this.config = model.config();
        Map<String, Tensor> tensors = model.tensors();
        Map<String, float[]> b = new LinkedHashMap<>();
        for (String name : tensors.keySet()) {
            if (names.contains(name)) {
                b.put(name, new float[Math.toIntExact(tensors.get(name).numel())]);
            }
        }
        for (String name : names) {
            if (!tensors.containsKey(name)) {
                throw new IllegalArgumentException("no weight named " + name + " in the model"
                        + (name.equals("lm_head.weight") && config.tieWordEmbeddings()
                        ? " (the embeddings are tied: ask for model.embed_tokens.weight)" : ""));
            }
        }
        this.buffers = Collections.unmodifiableMap(b);
        int L = config.numLayers();
        Module[] mods = Module.values();
        weight = new float[L][mods.length][];
        bias = new float[L][mods.length][];
        inputNorm = new float[L][];
        postNorm = new float[L][];
        int low = L;
        for (int l = 0; l < L; l++) {
            for (Module m : mods) {
                if (m.perLayer()) {
                    weight[l][m.ordinal()] = b.get(m.weightName(l));
                    bias[l][m.ordinal()] = b.get(m.biasName(l));
                }
            }
            inputNorm[l] = b.get("model.layers." + l + ".input_layernorm.weight");
            postNorm[l] = b.get("model.layers." + l + ".post_attention_layernorm.weight");
            for (String n : b.keySet()) {
                if (n.startsWith("model.layers." + l + ".")) {
                    low = Math.min(low, l);
                }
            }
        }
        finalNorm = b.get("model.norm.weight");
        embed = b.get("model.embed_tokens.weight");
        lmHead = config.tieWordEmbeddings() ? embed : b.get("lm_head.weight");
        lowestLayer = embed != null ? 0 : low;
    }

    /** Gradients for exactly the named weights (unknown names are an error). */
    public static Gradients of(Llama model, Collection<String> names) {
        return new Gradients(model, new LinkedHashSet<>(names));
    }

    /** Gradients for the weights whose name passes {@code filter}. */
    public static Gradients matching(Llama model, Predicate<String> filter) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : model.tensors().keySet()) {
            if (filter.test(n)) {
                names.add(n);
            }
        }
        return new Gradients(model, names);
    }

    /** Gradients for every weight of the model. */
    public static Gradients all(Llama model) {
        return matching(model, n -> true);
    }

    /** No weight gradients: the backward then serves adapters only (deltas, LoRA). */
    public static Gradients none(Llama model) {
        return new Gradients(model, Set.of());
    }

    /** Names with a buffer, in the model's tensor order. */
    public Set<String> names() {
        return buffers.keySet();
    }

    public boolean has(String name) {
        return buffers.containsKey(name);
    }

    /** The buffer of a weight (same shape as the weight, row-major), or null when not tracked. */
    public float[] get(String name) {
        return buffers.get(name);
    }

    /** All buffers by name (not copies). */
    public Map<String, float[]> buffers() {
        return buffers;
    }

    /** Views of the buffers as fp32 tensors named {@code prefix + name}, shaped like the model's weights. */
    public Map<String, Tensor> tensors(Llama model, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        buffers.forEach((n, g) -> out.put(prefix + n, Tensor.ofFloats(prefix + n, g, model.tensors().get(n).shape())));
        return out;
    }

    /** Clears every buffer. */
    public void zero() {
        for (float[] g : buffers.values()) {
            Arrays.fill(g, 0f);
        }
    }

    /** The lowest layer with a tracked weight (0 when the embedding is tracked; numLayers when none is). */
    public int lowestLayer() {
        return lowestLayer;
    }

    LlamaConfig config() {
        return config;
    }

    float[] weight(int layer, Module m) {
        return switch (m) {
            case EMBED -> embed;
            case LM_HEAD -> lmHead;
            default -> weight[layer][m.ordinal()];
        };
    }

    float[] bias(int layer, Module m) {
        return bias[layer][m.ordinal()];
    }

    float[] inputNorm(int layer) {
        return inputNorm[layer];
    }

    float[] postNorm(int layer) {
        return postNorm[layer];
    }

    float[] finalNorm() {
        return finalNorm;
    }

    /** The embedding lookup's gradient buffer (the embedding matrix), or null. */
    float[] embedLookup() {
        return embed;
    }
}
