package org.pkt4j.llama;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * Random-weight models of a given shape (tests and benchmarks): matrices N(0, scale²), norm weights
 * 1 + 0.1·N(0, 1), biases N(0, scale²), from a seed, stored in the requested dtype on the heap.
 */
public final class RandomLlama {
    private RandomLlama() {
    }

    /** A plain Llama config (MHA when kvHeads == heads, untied head, theta 10000, eps 1e-5). */
    public static LlamaConfig config(int d, int layers, int heads, int kvHeads, int ffn, int vocab) {
        return new LlamaConfig("llama", d, ffn, layers, heads, kvHeads, d / heads, vocab, 1e-5,
                LlamaConfig.RopeConfig.plain(10000), false, false, false, false, 1, List.of(2), 4096, 0, "float32");
    }

    /** The stories15M shape: d 288, 6 layers, 6 heads, ffn 768, vocab 32000. */
    public static LlamaConfig stories15M() {
        return config(288, 6, 6, 6, 768, 32000);
    }

    /** The stories110M shape: d 768, 12 layers, 12 heads, ffn 2048, vocab 32000. */
    public static LlamaConfig stories110M() {
        return config(768, 12, 12, 12, 2048, 32000);
    }

    public static Llama create(LlamaConfig c, long seed, DType dtype, double scale) {
        return Llama.of(c, tensors(c, seed, dtype, scale));
    }

    /** The tensors of a random model, by HF name, in sorted-name-independent layer order. */
    public static Map<String, Tensor> tensors(LlamaConfig c, long seed, DType dtype, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim(), v = c.vocabSize();
        Map<String, Tensor> t = new LinkedHashMap<>();
        put(t, "model.embed_tokens.weight", dtype, rng, scale, false, v, d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            put(t, p + "input_layernorm.weight", dtype, rng, 0.1, true, d);
            put(t, p + "self_attn.q_proj.weight", dtype, rng, scale, false, q, d);
            put(t, p + "self_attn.k_proj.weight", dtype, rng, scale, false, kv, d);
            put(t, p + "self_attn.v_proj.weight", dtype, rng, scale, false, kv, d);
            put(t, p + "self_attn.o_proj.weight", dtype, rng, scale, false, d, q);
            if (c.qkvBias()) {
                put(t, p + "self_attn.q_proj.bias", dtype, rng, scale, false, q);
                put(t, p + "self_attn.k_proj.bias", dtype, rng, scale, false, kv);
                put(t, p + "self_attn.v_proj.bias", dtype, rng, scale, false, kv);
            }
            if (c.oBias()) {
                put(t, p + "self_attn.o_proj.bias", dtype, rng, scale, false, d);
            }
            put(t, p + "post_attention_layernorm.weight", dtype, rng, 0.1, true, d);
            put(t, p + "mlp.gate_proj.weight", dtype, rng, scale, false, f, d);
            put(t, p + "mlp.up_proj.weight", dtype, rng, scale, false, f, d);
            put(t, p + "mlp.down_proj.weight", dtype, rng, scale, false, d, f);
            if (c.mlpBias()) {
                put(t, p + "mlp.gate_proj.bias", dtype, rng, scale, false, f);
                put(t, p + "mlp.up_proj.bias", dtype, rng, scale, false, f);
                put(t, p + "mlp.down_proj.bias", dtype, rng, scale, false, d);
            }
        }
        put(t, "model.norm.weight", dtype, rng, 0.1, true, d);
        if (!c.tieWordEmbeddings()) {
            put(t, "lm_head.weight", dtype, rng, scale, false, v, d);
        }
        return t;
    }

    private static void put(Map<String, Tensor> t, String name, DType dtype, SplittableRandom rng, double scale,
                            boolean norm, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        int len = Math.toIntExact(n);
        MemorySegment seg = dtype == DType.F32 ? MemorySegment.ofArray(new float[len]) : MemorySegment.ofArray(new short[len]);
        Tensor x = new Tensor(name, dtype, shape, seg);
        for (int i = 0; i < len; i++) {
            double g = gaussian(rng);
            x.setFloat(i, (float) (norm ? 1 + scale * g : scale * g));
        }
        t.put(name, x);
    }

    /** A standard normal draw (Box-Muller, one value per call). */
    public static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble();
        double w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
