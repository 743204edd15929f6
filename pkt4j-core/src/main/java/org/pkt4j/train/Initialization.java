package org.pkt4j.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.Tensor;

/**
 * The initial weights of a model trained from scratch (GPT-2 / nanoGPT): every matrix, the embeddings
 * included, drawn from N(0, std²); the residual projections {@code o_proj} and {@code down_proj} optionally
 * scaled by 1/√(2L) so that the residual stream's variance stays of order one however deep the model; RMSNorm
 * weights 1; biases 0. fp32 heap tensors under Hugging Face names, drawn from one seeded stream in file order
 * (embeddings, layer by layer, final norm, untied head), so a seed gives the same model on every machine.
 */
public final class Initialization {
    private Initialization() {
    }

    public static Map<String, Tensor> normal(LlamaConfig c, double std, boolean residualScale, long seed) {
        if (!(std > 0)) {
            throw new IllegalArgumentException("initialisation std must be > 0, got " + std);
        }
        double residualStd = residualScale ? std / Math.sqrt(2.0 * c.numLayers()) : std;
        SplittableRandom rng = new SplittableRandom(seed);
        int d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim(), v = c.vocabSize();
        Map<String, Tensor> t = new LinkedHashMap<>();
        matrix(t, "model.embed_tokens.weight", std, rng, v, d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(t, p + "input_layernorm.weight", d);
            matrix(t, p + "self_attn.q_proj.weight", std, rng, q, d);
            matrix(t, p + "self_attn.k_proj.weight", std, rng, kv, d);
            matrix(t, p + "self_attn.v_proj.weight", std, rng, kv, d);
            matrix(t, p + "self_attn.o_proj.weight", residualStd, rng, d, q);
            if (c.qkvBias()) {
                zeros(t, p + "self_attn.q_proj.bias", q);
                zeros(t, p + "self_attn.k_proj.bias", kv);
                zeros(t, p + "self_attn.v_proj.bias", kv);
            }
            if (c.oBias()) {
                zeros(t, p + "self_attn.o_proj.bias", d);
            }
            ones(t, p + "post_attention_layernorm.weight", d);
            matrix(t, p + "mlp.gate_proj.weight", std, rng, f, d);
            matrix(t, p + "mlp.up_proj.weight", std, rng, f, d);
            matrix(t, p + "mlp.down_proj.weight", residualStd, rng, d, f);
            if (c.mlpBias()) {
                zeros(t, p + "mlp.gate_proj.bias", f);
                zeros(t, p + "mlp.up_proj.bias", f);
                zeros(t, p + "mlp.down_proj.bias", d);
            }
        }
        ones(t, "model.norm.weight", d);
        if (!c.tieWordEmbeddings()) {
            matrix(t, "lm_head.weight", std, rng, v, d);
        }
        return t;
    }

    private static void matrix(Map<String, Tensor> t, String name, double std, SplittableRandom rng, int rows, int cols) {
        float[] x = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (std * RandomLlama.gaussian(rng));
        }
        t.put(name, Tensor.ofFloats(name, x, rows, cols));
    }

    private static void ones(Map<String, Tensor> t, String name, int n) {
        float[] x = new float[n];
        Arrays.fill(x, 1f);
        t.put(name, Tensor.ofFloats(name, x, n));
    }

    private static void zeros(Map<String, Tensor> t, String name, int n) {
        t.put(name, Tensor.ofFloats(name, new float[n], n));
    }
}
