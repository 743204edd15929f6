package org.pkt4j.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.CausalLmLoss;

/**
 * A double-precision Llama causal-LM loss built from {@link DoubleRef} kernels over a mutable copy of the
 * weights (default RoPE only): the oracle for whole-model finite differences.
 */
public final class DoubleLlama {
    private final LlamaConfig c;
    /** Weights by HF name, upcast to double; tests perturb these in place. */
    public final Map<String, double[]> w = new LinkedHashMap<>();

    public DoubleLlama(Llama model) {
        this.c = model.config();
        for (Map.Entry<String, Tensor> e : model.tensors().entrySet()) {
            w.put(e.getKey(), GradCheck.toDouble(e.getValue().toFloatArray()));
        }
    }

    /** The mean cross-entropy of the scored positions. */
    public double loss(int[] ids, int[] labels) {
        int T = ids.length, d = c.hiddenSize(), f = c.intermediateSize(), H = c.numHeads(), KV = c.numKvHeads();
        int hd = c.headDim(), q = c.qDim(), kv = c.kvDim(), V = c.vocabSize();
        double eps = c.rmsNormEps(), theta = c.rope().theta();
        double[] x = DoubleRef.embedding(w.get("model.embed_tokens.weight"), d, ids);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[] z = DoubleRef.rmsNorm(x, T, d, w.get(p + "input_layernorm.weight"), eps);
            double[] qs = DoubleRef.rope(proj(p + "self_attn.q_proj", z, T, d, q), T, H, hd, theta, 0);
            double[] ks = DoubleRef.rope(proj(p + "self_attn.k_proj", z, T, d, kv), T, KV, hd, theta, 0);
            double[] vs = proj(p + "self_attn.v_proj", z, T, d, kv);
            double[] att = DoubleRef.attention(qs, ks, vs, T, H, KV, hd, c.slidingWindow());
            add(x, proj(p + "self_attn.o_proj", att, T, q, d));
            double[] z2 = DoubleRef.rmsNorm(x, T, d, w.get(p + "post_attention_layernorm.weight"), eps);
            double[] cc = DoubleRef.swiglu(proj(p + "mlp.gate_proj", z2, T, d, f), proj(p + "mlp.up_proj", z2, T, d, f));
            add(x, proj(p + "mlp.down_proj", cc, T, f, d));
        }
        double[] n = DoubleRef.rmsNorm(x, T, d, w.get("model.norm.weight"), eps);
        double[] head = w.get(c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
        int[] rows = CausalLmLoss.scoredRows(labels);
        double[] picked = new double[rows.length * d];
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(n, rows[i] * d, picked, i * d, d);
            y[i] = labels[rows[i] + 1];
        }
        return DoubleRef.crossEntropy(DoubleRef.linear(picked, rows.length, d, head, V), rows.length, V, y);
    }

    private double[] proj(String module, double[] x, int rows, int in, int out) {
        double[] y = DoubleRef.linear(x, rows, in, w.get(module + ".weight"), out);
        double[] b = w.get(module + ".bias");
        return b == null ? y : DoubleRef.addBias(y, rows, b);
    }

    private static void add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }
}
