package org.pkt4j.train.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.Close.assertClose;
import static org.pkt4j.testing.GradCheck.assertGrad;
import static org.pkt4j.testing.GradCheck.dot;
import static org.pkt4j.testing.GradCheck.numeric;
import static org.pkt4j.testing.GradCheck.randomFloats;
import static org.pkt4j.testing.GradCheck.toDouble;
import static org.pkt4j.testing.GradCheck.toFloat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.WeightDelta;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;
import org.pkt4j.train.Param;

/** LoRA adapters: finite differences, the chain rule against the fixture's delta gradients, merging, limits. */
class LoraTest {

    static final ExecutionContext TWO = ExecutionContext.of(2);

    /** s · ((x ⊙ mask) · Aᵀ) · Bᵀ in double. */
    static double[] loraRef(double[] x, double[] mask, int rows, int in, int out, int r, double s, double[] a, double[] b) {
        double[] xm = x.clone();
        for (int i = 0; i < xm.length; i++) {
            xm[i] *= mask == null ? 1 : mask[i];
        }
        double[] y = new double[rows * out];
        for (int t = 0; t < rows; t++) {
            for (int k = 0; k < r; k++) {
                double xa = 0;
                for (int p = 0; p < in; p++) {
                    xa += xm[t * in + p] * a[k * in + p];
                }
                for (int o = 0; o < out; o++) {
                    y[t * out + o] += s * xa * b[o * r + k];
                }
            }
        }
        return y;
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3})
    void linearAdapterMatchesFiniteDifferences(double dropout) {
        SplittableRandom rng = new SplittableRandom(21);
        int rows = 4, in = 13, out = 9, r = 3;
        double s = 2.0 / r;
        float[] a = randomFloats(rng, r * in, 1), b = randomFloats(rng, out * r, 1);
        LoraLinear lora = new LoraLinear("m", in, out, r, s, dropout, a, b);
        lora.setTraining(true);
        lora.reseed(99);
        float[] x = randomFloats(rng, rows * in, 1);
        double[] dout = toDouble(randomFloats(rng, rows * out, 1));
        float[] y = new float[rows * out];
        lora.forward(TWO, x, rows, y);
        float[] maskF = lora.dropoutMask();
        assertEquals(dropout > 0, maskF != null);
        double[] mask = maskF == null ? null : toDouble(maskF);
        double[] ad = toDouble(a), bd = toDouble(b), xd = toDouble(x);
        assertClose("LoRA forward", y, toFloat(loraRef(xd, mask, rows, in, out, r, s, ad, bd)), 1e-6, 0);

        float[] dx = new float[rows * in];
        lora.backward(TWO, x, toFloat(dout), rows, dx);
        assertGrad("LoRA dx", dx, numeric(v -> dot(loraRef(v, mask, rows, in, out, r, s, ad, bd), dout), xd.clone()), 2e-5, 0);
        assertGrad("LoRA dA", lora.gradA(), numeric(v -> dot(loraRef(xd, mask, rows, in, out, r, s, v, bd), dout), ad.clone()), 2e-5, 0);
        assertGrad("LoRA dB", lora.gradB(), numeric(v -> dot(loraRef(xd, mask, rows, in, out, r, s, ad, v), dout), bd.clone()), 2e-5, 0);
    }

    @Test
    void embeddingAdapterMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(22);
        int vocab = 11, d = 7, r = 2;
        double s = 1.5;
        int[] ids = {4, 0, 4, 10, 3};
        float[] a = randomFloats(rng, r * vocab, 1), b = randomFloats(rng, d * r, 1);
        LoraEmbedding e = new LoraEmbedding(vocab, d, r, s, a, b);
        double[] dout = toDouble(randomFloats(rng, ids.length * d, 1));
        // e(id) = s · B · A[:, id]
        java.util.function.BiFunction<double[], double[], double[]> ref = (av, bv) -> {
            double[] y = new double[ids.length * d];
            for (int t = 0; t < ids.length; t++) {
                for (int i = 0; i < d; i++) {
                    for (int k = 0; k < r; k++) {
                        y[t * d + i] += s * bv[i * r + k] * av[k * vocab + ids[t]];
                    }
                }
            }
            return y;
        };
        float[] y = new float[ids.length * d];
        e.forward(ids, y);
        assertClose("embedding LoRA forward", y, toFloat(ref.apply(toDouble(a), toDouble(b))), 1e-6, 0);
        e.backward(ids, toFloat(dout));
        double[] ad = toDouble(a), bd = toDouble(b);
        assertGrad("embedding LoRA dA", e.gradA(), numeric(v -> dot(ref.apply(v, bd), dout), ad.clone()), 2e-5, 0);
        assertGrad("embedding LoRA dB", e.gradB(), numeric(v -> dot(ref.apply(ad, v), dout), bd.clone()), 2e-5, 0);
    }

    /**
     * mha_tiny's grad_delta.* is G = ∂L/∂Δ at W + Δ. LoRA adapters with non-zero A and B plus a dense delta
     * Δ − s·B·A put the model at the same point, so the LoRA gradients must be dA = s·Bᵀ G and dB = s·G Aᵀ.
     */
    @Test
    void chainRuleAgainstTheFixtureDeltaGradients() throws IOException {
        SafetensorsFile exp = Fixtures.expected("mha_tiny");
        Llama model = Llama.open(Fixtures.fixture("mha_tiny").resolve("model"));
        List<Module> mods = List.of(Module.UP, Module.DOWN, Module.V, Module.O);
        Lora lora = Lora.attach(model, LoraConfig.of(3, 6, 0, mods), 5);
        SplittableRandom rng = new SplittableRandom(6);
        for (LoraLinear a : lora.linear().values()) {
            float[] b = randomFloats(rng, a.b().length, 0.05);
            System.arraycopy(b, 0, a.b(), 0, b.length);
        }
        Map<String, float[]> merged = lora.mergedWeights(ExecutionContext.singleThreaded());
        Adapters.Builder ab = Adapters.builder();
        int L = model.numLayers();
        for (int l = 0; l < L; l++) {
            for (Module m : mods) {
                String name = m.weightName(l);
                float[] delta = Fixtures.tensor(exp, "delta." + name).toFloatArray();
                float[] w = model.tensors().get(name).toFloatArray();
                float[] sba = merged.get(name);
                for (int i = 0; i < delta.length; i++) {
                    delta[i] -= sba[i] - w[i];
                }
                ab.add(l, m, new WeightDelta(delta, model.tensors().get(name).dim(0), model.tensors().get(name).dim(1)));
                ab.add(l, m, lora.linear().get(m.path(l)));
            }
        }
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        int[] labels = Fixtures.tensor(exp, "labels").toIntArray();
        double loss = new LlamaBackward(new LlamaForward(model, TWO), ids.length)
                .lossAndBackward(ids, labels, ab.build(), Gradients.none(model), 1.0);
        assertEquals(Fixtures.tensor(exp, "delta_loss").getFloat(0), loss, 1e-5);
        for (LoraLinear a : lora.linear().values()) {
            float[] g = Fixtures.tensor(exp, "grad_delta." + a.path() + ".weight").toFloatArray();
            int out = a.out(), in = a.in(), r = a.rank();
            double s = a.scale();
            double[] dA = new double[r * in], dB = new double[out * r];
            for (int o = 0; o < out; o++) {
                for (int p = 0; p < in; p++) {
                    for (int k = 0; k < r; k++) {
                        dA[k * in + p] += s * a.b()[o * r + k] * g[o * in + p];
                        dB[o * r + k] += s * g[o * in + p] * a.a()[k * in + p];
                    }
                }
            }
            assertClose(a.path() + " dA", a.gradA(), toFloat(dA), 1e-4, 0);
            assertClose(a.path() + " dB", a.gradB(), toFloat(dB), 1e-4, 0);
        }
    }

    /** A merged checkpoint gives the same logits as the base model with the adapters attached. */
    @ParameterizedTest
    @ValueSource(strings = {"mha_tiny", "sharded_f16"})
    void mergedCheckpointEqualsTheAdaptedModel(String fixture, @TempDir Path tmp) throws IOException {
        Llama model = Llama.open(Fixtures.fixture(fixture).resolve("model"));
        Lora lora = Lora.attach(model, LoraConfig.of(4, 8, 0, List.of(Module.Q, Module.V, Module.DOWN, Module.EMBED, Module.LM_HEAD)), 1);
        SplittableRandom rng = new SplittableRandom(2);
        for (Param p : lora.params()) {
            float[] v = randomFloats(rng, p.size(), 0.05);
            System.arraycopy(v, 0, p.value(), 0, v.length);
        }
        int[] ids = {3, 7, 1, 0, 9, 5, 5, 2};
        LlamaForward fwd = new LlamaForward(model, TWO);
        float[] adapted = fwd.forward(ids, new org.pkt4j.llama.KvCache(model.config(), ids.length), lora.adapters(),
                org.pkt4j.llama.ForwardTrace.NONE, null, null);
        Path out = tmp.resolve("merged");
        lora.writeMerged(out, false, TWO);
        Llama merged = Llama.open(out);
        assertEquals(model.checkpoint().shardOf(), merged.checkpoint().shardOf());
        for (Map.Entry<String, Tensor> e : model.tensors().entrySet()) {
            assertEquals(e.getValue().dtype(), merged.tensors().get(e.getKey()).dtype(), e.getKey());
        }
        float[] logits = new LlamaForward(merged, TWO).logits(ids);
        // F16 storage rounds the merged weights (relative 5e-4), so its logits agree less closely
        double tol = model.tensors().get("model.norm.weight").dtype() == org.pkt4j.tensor.DType.F32 ? 2e-5 : 2e-3;
        assertClose(fixture + " merged logits", logits, adapted, tol, 0);
        // an untouched weight is copied bit for bit
        assertClose("untouched k_proj", merged.tensors().get("model.layers.0.self_attn.k_proj.weight").toFloatArray(),
                model.tensors().get("model.layers.0.self_attn.k_proj.weight").toFloatArray(), 0, 0);
    }

    @Test
    void peftLayoutRoundTrips(@TempDir Path tmp) throws IOException {
        Llama model = Llama.open(Fixtures.fixture("tied_bf16").resolve("model"));
        Lora lora = Lora.attach(model, LoraConfig.of(2, 4, 0.05, List.of(Module.Q, Module.UP, Module.EMBED, Module.LM_HEAD)), 3);
        SplittableRandom rng = new SplittableRandom(4);
        for (Param p : lora.params()) {
            System.arraycopy(randomFloats(rng, p.size(), 0.1), 0, p.value(), 0, p.size());
        }
        Path dir = tmp.resolve("adapter");
        org.pkt4j.io.peft.PeftAdapter.write(dir, lora, "tied_bf16", false);
        var cfg = org.pkt4j.io.Json.read(dir.resolve("adapter_config.json"));
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertEquals(2, cfg.get("r").asInt());
        assertEquals(4.0, cfg.get("lora_alpha").asDouble());
        assertEquals(0.05, cfg.get("lora_dropout").asDouble());
        assertEquals("[\"q_proj\",\"up_proj\",\"embed_tokens\",\"lm_head\"]", cfg.get("target_modules").toString());
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
        assertEquals(List.of(2L, 64L), List.of(f.get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight").shape()[0],
                f.get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight").shape()[1]));
        assertEquals("[128, 2]", f.get("base_model.model.model.layers.0.mlp.up_proj.lora_B.weight").shapeString());
        assertEquals("[2, 160]", f.get("base_model.model.model.embed_tokens.lora_embedding_A").shapeString());
        assertEquals("[64, 2]", f.get("base_model.model.model.embed_tokens.lora_embedding_B").shapeString());
        assertEquals("[160, 2]", f.get("base_model.model.lm_head.lora_B.weight").shapeString());
        assertEquals(2 * (2 * 2 + 2), f.tensors().size());

        Lora back = org.pkt4j.io.peft.PeftAdapter.read(dir, model);
        assertEquals(lora.config(), back.config());
        for (Param p : lora.params()) {
            assertClose(p.name(), back.param(p.name()).value(), p.value(), 0, 0);
        }
        // tied embeddings: an embed_tokens / lm_head adapter cannot be merged into the shared matrix
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lora.mergedWeights(TWO));
        assertTrue(e.getMessage().contains("tied"), e.getMessage());
    }

    @Test
    void badTargetsAndRanksAreRefused() throws IOException {
        Llama model = Llama.open(Fixtures.fixture("gqa_tiny").resolve("model"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraConfig.parseTargets("q,attn"));
        assertTrue(e.getMessage().contains("'attn'"), e.getMessage());
        assertEquals(EnumSet.of(Module.Q, Module.V, Module.EMBED), LoraConfig.parseTargets("q_proj, v ,embed_tokens"));
        // k_proj of gqa_tiny is [32, 96]: rank 40 exceeds it
        e = assertThrows(IllegalArgumentException.class, () -> Lora.attach(model, LoraConfig.of(40, 40, 0, List.of(Module.K)), 1));
        assertTrue(e.getMessage().contains("k_proj") && e.getMessage().contains("32"), e.getMessage());
        assertNotNull(Lora.attach(model, LoraConfig.of(32, 32, 0, List.of(Module.K)), 1));
        Map<String, float[]> partial = new LinkedHashMap<>();
        partial.put("model.layers.0.self_attn.q_proj.lora_A.weight", new float[2 * 96]);
        e = assertThrows(IllegalArgumentException.class, () -> Lora.withWeights(model, LoraConfig.of(2, 2, 0, List.of(Module.Q)), partial));
        assertTrue(e.getMessage().contains("missing LoRA weight"), e.getMessage());
        // PEFT init: B = 0, so the adapted model is the base model (to rounding: the Vector API's lane reductions
        // round differently before and after JIT compilation, so two evaluations may differ in the last bits)
        Lora fresh = Lora.attach(model, LoraConfig.of(4, 8, 0, List.of(Module.Q, Module.DOWN)), 7);
        int[] ids = {1, 2, 3, 4};
        LlamaForward fwd = new LlamaForward(model, TWO);
        assertClose("PEFT init is the identity edit", fwd.forward(ids, new org.pkt4j.llama.KvCache(model.config(), 4),
                fresh.adapters(), org.pkt4j.llama.ForwardTrace.NONE, null, null), fwd.logits(ids), 1e-6, 0);
        assertNull(fresh.embedding());
    }
}
