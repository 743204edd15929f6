package org.pkt4j.llama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.tensor.Tensor;

/**
 * A Llama-family model: its config and its weights, kept in their stored dtype (memory-mapped when
 * opened from a checkpoint; fp32 heap tensors when built for training). Every tensor's shape is
 * checked against the config at construction, with a message naming the tensor.
 */
public final class Llama {
    private final LlamaConfig config;
    private final Map<String, Tensor> tensors;
    private final Tensor embed;
    private final Tensor norm;
    private final Tensor lmHead;
    private final LayerWeights[] layers;
    private final Checkpoint checkpoint;

    private Llama(LlamaConfig config, Map<String, Tensor> tensors, Checkpoint checkpoint, Path origin) throws FormatException {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.checkpoint = checkpoint;
        Shapes s = new Shapes(origin, tensors);
        int d = config.hiddenSize(), f = config.intermediateSize(), v = config.vocabSize();
        int q = config.qDim(), kv = config.kvDim();
        embed = s.require("model.embed_tokens.weight", v, d);
        norm = s.require("model.norm.weight", d);
        lmHead = config.tieWordEmbeddings() ? embed : s.require("lm_head.weight", v, d);
        layers = new LayerWeights[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            boolean qkvB = config.qkvBias(), oB = config.oBias(), mB = config.mlpBias();
            layers[i] = new LayerWeights(
                    s.require(p + "input_layernorm.weight", d),
                    s.require(p + "self_attn.q_proj.weight", q, d),
                    s.require(p + "self_attn.k_proj.weight", kv, d),
                    s.require(p + "self_attn.v_proj.weight", kv, d),
                    s.require(p + "self_attn.o_proj.weight", d, q),
                    qkvB ? s.require(p + "self_attn.q_proj.bias", q) : null,
                    qkvB ? s.require(p + "self_attn.k_proj.bias", kv) : null,
                    qkvB ? s.require(p + "self_attn.v_proj.bias", kv) : null,
                    oB ? s.require(p + "self_attn.o_proj.bias", d) : null,
                    s.require(p + "post_attention_layernorm.weight", d),
                    s.require(p + "mlp.gate_proj.weight", f, d),
                    s.require(p + "mlp.up_proj.weight", f, d),
                    s.require(p + "mlp.down_proj.weight", d, f),
                    mB ? s.require(p + "mlp.gate_proj.bias", f) : null,
                    mB ? s.require(p + "mlp.up_proj.bias", f) : null,
                    mB ? s.require(p + "mlp.down_proj.bias", d) : null);
        }
    }

    /** Opens a Hugging Face model directory (weights memory-mapped, nothing copied). */
    public static Llama open(Path dir) throws IOException {
        Checkpoint c = Checkpoint.open(dir);
        return new Llama(c.config(), c.tensors(), c, c.dir());
    }

    public static Llama of(Checkpoint c) throws FormatException {
        return new Llama(c.config(), c.tensors(), c, c.dir());
    }

    /** A model over the given tensors (tests, training, conversion); shapes are checked the same way. */
    public static Llama of(LlamaConfig config, Map<String, Tensor> tensors) {
        try {
            return new Llama(config, tensors, null, Path.of("<memory>"));
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /** All tensors by Hugging Face name. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The checkpoint this model was opened from, or null when built in memory. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public Tensor embed() {
        return embed;
    }

    public Tensor norm() {
        return norm;
    }

    /** The LM head matrix [V, d] (the embedding when tied). */
    public Tensor lmHead() {
        return lmHead;
    }

    public LayerWeights layer(int i) {
        return layers[i];
    }

    public int numLayers() {
        return layers.length;
    }

    /** The weight a module reads in a layer (layer ignored for EMBED / LM_HEAD). */
    public Tensor weight(int layer, Module m) {
        return switch (m) {
            case EMBED -> embed;
            case LM_HEAD -> lmHead;
            default -> layers[layer].weight(m);
        };
    }

    /** Checks tensor presence and shapes against the config, naming the tensor on mismatch. */
    private record Shapes(Path origin, Map<String, Tensor> tensors) {
        Tensor require(String name, long... shape) throws FormatException {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new FormatException(origin, "missing tensor " + name);
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new FormatException(origin, "tensor " + name + " has shape " + t.shapeString()
                        + " but config.json implies " + Arrays.toString(shape));
            }
            if (!t.dtype().isFloat()) {
                throw new FormatException(origin, "tensor " + name + " has dtype " + t.dtype() + ", expected F32, F16 or BF16");
            }
            return t;
        }
    }
}
