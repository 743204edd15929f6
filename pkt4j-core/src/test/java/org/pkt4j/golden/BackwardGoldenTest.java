package org.pkt4j.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Activations.AttentionMemory;
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

/**
 * Loss and every stored gradient against the shared fixtures (float64 references): each gradient tensor
 * within 1e-4 of its max |expected| (fixtures README, "Tolerances"), the loss within 1e-5.
 */
class BackwardGoldenTest {

    static final double GRAD_REL = 1e-4;
    static final ExecutionContext TWO = ExecutionContext.of(2);

    record Case(Llama model, int[] ids, int[] labels, SafetensorsFile exp) {
        static Case of(String name) throws IOException {
            SafetensorsFile exp = Fixtures.expected(name);
            return new Case(Llama.open(Fixtures.fixture(name).resolve("model")), Fixtures.tensor(exp, "input_ids").toIntArray(),
                    Fixtures.tensor(exp, "labels").toIntArray(), exp);
        }

        Map<String, Tensor> expectedGrads(String prefix) {
            Map<String, Tensor> g = new LinkedHashMap<>();
            exp.tensors().forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    g.put(k.substring(prefix.length()), v);
                }
            });
            return g;
        }

        double run(Gradients grads, Adapters adapters, AttentionMemory mode, ExecutionContext ctx) {
            LlamaBackward b = new LlamaBackward(new LlamaForward(model, ctx), ids.length, mode);
            return b.lossAndBackward(ids, labels, adapters, grads, 1.0);
        }
    }

    @ParameterizedTest
    @CsvSource({"mha_tiny,STORE", "gqa_tiny,RECOMPUTE", "tied_bf16,STORE", "sharded_f16,RECOMPUTE", "stories260K,STORE"})
    void everyStoredGradientMatches(String name, AttentionMemory mode) throws IOException {
        Case k = Case.of(name);
        Map<String, Tensor> expected = k.expectedGrads("grad.");
        assertTrue(expected.size() >= 5, name + " holds gradients");
        Gradients all = Gradients.all(k.model);
        double loss = k.run(all, Adapters.NONE, mode, TWO);
        assertEquals(Fixtures.tensor(k.exp, "loss").getFloat(0), loss, 1e-5, name + " loss");
        if (!name.equals("stories260K")) {
            // random fixtures store a gradient for every weight: the sets must agree
            assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(all.names()), name + " gradient names");
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            assertGrad(name + " grad." + e.getKey(), all.get(e.getKey()), e.getValue());
        }
    }

    /** Asking for only the stored subset (or only the last layer) skips work but must not change any value. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gqa_tiny"})
    void subsetsOfGradientsMatch(String name) throws IOException {
        Case k = Case.of(name);
        Map<String, Tensor> expected = k.expectedGrads("grad.");
        int last = k.model.numLayers() - 1;
        List<List<String>> subsets = List.of(
                new ArrayList<>(expected.keySet()),
                expected.keySet().stream().filter(n -> n.startsWith("model.layers." + last + ".")).toList(),
                expected.keySet().stream().filter(n -> n.contains("mlp.down_proj") || n.equals("model.norm.weight")).toList(),
                expected.keySet().stream().filter(n -> n.startsWith("model.layers." + last + ".self_attn.q")).toList());
        for (List<String> subset : subsets) {
            Gradients g = Gradients.of(k.model, subset);
            double loss = k.run(g, Adapters.NONE, AttentionMemory.STORE, ExecutionContext.singleThreaded());
            assertEquals(Fixtures.tensor(k.exp, "loss").getFloat(0), loss, 1e-5);
            for (String n : subset) {
                assertGrad(name + " (subset of " + subset.size() + ") grad." + n, g.get(n), expected.get(n));
            }
        }
    }

    @Test
    void weightDeltaGradientsMatch() throws IOException {
        Case k = Case.of("mha_tiny");
        Map<String, Tensor> expected = k.expectedGrads("grad_delta.");
        assertEquals(8, expected.size());
        Adapters.Builder b = Adapters.builder();
        Map<String, WeightDelta> deltas = new LinkedHashMap<>();
        for (int l = 0; l < k.model.numLayers(); l++) {
            for (Module m : new Module[] {Module.UP, Module.DOWN, Module.V, Module.O}) {
                Tensor dt = Fixtures.tensor(k.exp, "delta." + m.weightName(l));
                WeightDelta wd = new WeightDelta(dt.toFloatArray(), dt.dim(0), dt.dim(1));
                deltas.put(m.weightName(l), wd);
                b.add(l, m, wd);
            }
        }
        double loss = k.run(Gradients.none(k.model), b.build(), AttentionMemory.STORE, TWO);
        assertEquals(Fixtures.tensor(k.exp, "delta_loss").getFloat(0), loss, 1e-5, "delta_loss");
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            assertGrad("grad_delta." + e.getKey(), deltas.get(e.getKey()).grad(), e.getValue());
        }
    }

    /** Gradients add up: two backward calls with scale 0.5 equal one with scale 1. */
    @Test
    void gradientsAccumulateWithScale() throws IOException {
        Case k = Case.of("tied_bf16");
        Gradients once = Gradients.all(k.model);
        k.run(once, Adapters.NONE, AttentionMemory.STORE, TWO);
        Gradients twice = Gradients.all(k.model);
        LlamaBackward b = new LlamaBackward(new LlamaForward(k.model, TWO), 32);
        b.lossAndBackward(k.ids, k.labels, Adapters.NONE, twice, 0.5);
        b.lossAndBackward(k.ids, k.labels, Adapters.NONE, twice, 0.5);
        for (String n : once.names()) {
            assertClose(n, twice.get(n), once.get(n), 1e-6, 0);
        }
    }

    static void assertGrad(String what, float[] actual, Tensor expected) {
        assertTrue(actual != null, what + ": not computed");
        assertClose(what, actual, expected, GRAD_REL, 0);
    }
}
