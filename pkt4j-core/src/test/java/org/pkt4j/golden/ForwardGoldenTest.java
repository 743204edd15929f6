package org.pkt4j.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Activations;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.LayerTrace;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.WeightDelta;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;
import org.pkt4j.train.CausalLmLoss;

/** Logits, hidden states, final norm, loss and per-layer traces against every shared fixture. */
class ForwardGoldenTest {

    /** The fixtures README's workable choice: 2e-5 of max(1, max |expected|) per tensor. */
    private static final double REL = 2e-5;

    @ParameterizedTest
    @ValueSource(strings = {"mha_tiny", "gqa_tiny", "tied_bf16", "sharded_f16", "stories260K", "qwen2_bias", "llama3_rope"})
    void logitsHiddenAndLossMatch(String name) throws IOException {
        SafetensorsFile exp = Fixtures.expected(name);
        Llama model = Llama.open(Fixtures.fixture(name).resolve("model"));
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        int[] labels = Fixtures.tensor(exp, "labels").toIntArray();
        var c = model.config();
        Activations store = new Activations(c, ids);
        float[] logits = new LlamaForward(model, ExecutionContext.of(2))
                .forward(ids, store.cache, Adapters.NONE, ForwardTrace.NONE, store, null);

        float[] expLogits = Fixtures.tensor(exp, "logits").toFloatArray();
        assertClose(name + " logits", logits, expLogits, 0, REL * Math.max(1, maxAbs(expLogits)));

        float[] hidden = Fixtures.tensor(exp, "hidden").toFloatArray();
        int td = ids.length * c.hiddenSize();
        for (int l = 0; l <= c.numLayers(); l++) {
            float[] expL = Arrays.copyOfRange(hidden, l * td, (l + 1) * td);
            float[] act = l < c.numLayers() ? store.layerInput[l] : store.finalHidden;
            assertClose(name + " hidden[" + l + "]", act, expL, 0, REL * Math.max(1, maxAbs(expL)));
        }
        Tensor fn = exp.tensors().get("final_norm");
        if (fn != null) {
            assertClose(name + " final_norm", store.finalNormed, fn, 0, REL * Math.max(1, maxAbs(fn.toFloatArray())));
        }
        double loss = CausalLmLoss.loss(logits, labels, c.vocabSize());
        assertEquals(Fixtures.tensor(exp, "loss").getFloat(0), loss, 1e-5, name + " loss");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mha_tiny", "gqa_tiny", "tied_bf16", "sharded_f16", "stories260K"})
    void lastPositionTraceMatches(String name) throws IOException {
        SafetensorsFile exp = Fixtures.expected(name);
        Llama model = Llama.open(Fixtures.fixture(name).resolve("model"));
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        var c = model.config();
        int last = ids.length - 1;
        Map<Integer, LayerTrace> byLayer = new HashMap<>();
        ForwardTrace trace = new ForwardTrace() {
            @Override
            public int[] positions() {
                return new int[] {last};
            }

            @Override
            public void onLayer(LayerTrace t) {
                byLayer.put(t.layer(), t);
            }
        };
        LlamaForward fwd = new LlamaForward(model, ExecutionContext.singleThreaded());
        fwd.forward(ids, new org.pkt4j.llama.KvCache(c, ids.length), Adapters.NONE, trace, null, null);
        int L = c.numLayers(), d = c.hiddenSize(), f = c.intermediateSize(), H = c.numHeads(), hd = c.headDim(), T = ids.length;
        check(name, exp, "trace.layer_input", L, d, l -> byLayer.get(l).layerInput());
        check(name, exp, "trace.attn_output", L, d, l -> byLayer.get(l).attnOutput());
        check(name, exp, "trace.residual_after_attn", L, d, l -> byLayer.get(l).residual());
        check(name, exp, "trace.ffn_output", L, d, l -> byLayer.get(l).mlpOutput());
        check(name, exp, "trace.layer_output", L, d, l -> byLayer.get(l).layerOutput());
        check(name, exp, "trace.ffn_coefficients", L, f, l -> byLayer.get(l).mlpCoefficients());
        check(name, exp, "trace.attn_weights", L, H * T, l -> concat(byLayer.get(l).attnWeights()));
        check(name, exp, "trace.attn_subvalues", L, H * T * hd, l -> {
            LayerTrace t = byLayer.get(l);
            float[] out = new float[H * T * hd];
            for (int h = 0; h < H; h++) {
                for (int j = 0; j < T; j++) {
                    System.arraycopy(t.attnSubValue(h, j), 0, out, (h * T + j) * hd, hd);
                }
            }
            return out;
        });
    }

    @org.junit.jupiter.api.Test
    void weightDeltasMatchDeltaLogitsAndLoss() throws IOException {
        SafetensorsFile exp = Fixtures.expected("mha_tiny");
        Llama model = Llama.open(Fixtures.fixture("mha_tiny").resolve("model"));
        var c = model.config();
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        int[] labels = Fixtures.tensor(exp, "labels").toIntArray();
        Adapters.Builder b = Adapters.builder();
        for (int l = 0; l < c.numLayers(); l++) {
            for (Module m : new Module[] {Module.UP, Module.DOWN, Module.V, Module.O}) {
                Tensor dt = Fixtures.tensor(exp, "delta." + m.weightName(l));
                b.add(l, m, new WeightDelta(dt.toFloatArray(), dt.dim(0), dt.dim(1)));
            }
        }
        float[] logits = new LlamaForward(model, ExecutionContext.singleThreaded())
                .forward(ids, new org.pkt4j.llama.KvCache(c, ids.length), b.build(), ForwardTrace.NONE, null, null);
        float[] expLogits = Fixtures.tensor(exp, "delta_logits").toFloatArray();
        assertClose("delta_logits", logits, expLogits, 0, REL * Math.max(1, maxAbs(expLogits)));
        assertEquals(Fixtures.tensor(exp, "delta_loss").getFloat(0), CausalLmLoss.loss(logits, labels, c.vocabSize()), 1e-5);
    }

    private interface PerLayer {
        float[] get(int layer);
    }

    private static void check(String name, SafetensorsFile exp, String key, int L, int width, PerLayer actual) {
        float[] all = Fixtures.tensor(exp, key).toFloatArray();
        assertEquals(L * width, all.length, key + " size");
        float[] act = new float[L * width];
        for (int l = 0; l < L; l++) {
            System.arraycopy(actual.get(l), 0, act, l * width, width);
        }
        assertClose(name + " " + key, act, all, 0, REL * Math.max(1, maxAbs(all)));
    }

    private static float[] concat(float[][] rows) {
        int n = 0;
        for (float[] r : rows) {
            n += r.length;
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, o, r.length);
            o += r.length;
        }
        return out;
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
