package org.pkt4j.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pkt4j.testing.Close.assertClose;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.CausalLmLoss;

/**
 * The tapped sensitivity (per-module gradient folded on the fly) against an independent computation: full
 * gradients of every weight from {@link Gradients#all}, then |θ ⊙ g| per example, summed. Covers untied and tied
 * heads, q/k/v biases, grouped-query attention and BF16 storage.
 */
class GradientSensitivityTest {

    static LlamaConfig config(boolean tied, boolean qkvBias, int kvHeads) {
        LlamaConfig b = RandomLlama.config(32, 3, 4, kvHeads, 48, 40);
        return new LlamaConfig(b.modelType(), b.hiddenSize(), b.intermediateSize(), b.numLayers(), b.numHeads(), b.numKvHeads(),
                b.headDim(), b.vocabSize(), b.rmsNormEps(), b.rope(), tied, qkvBias, false, false, b.bosTokenId(),
                b.eosTokenIds(), b.maxPositionEmbeddings(), b.slidingWindow(), b.dtype());
    }

    static List<SensitivityExample> examples(int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<SensitivityExample> out = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            int n = 7 + 3 * e;
            int[] ids = new int[n];
            int[] labels = new int[n];
            for (int t = 0; t < n; t++) {
                // repeated ids exercise the embedding row gradient's sum over positions
                ids[t] = t % 4 == 3 ? ids[t - 2] : rng.nextInt(vocab);
                labels[t] = t < n / 2 ? CausalLmLoss.IGNORE : ids[t];
            }
            out.add(new SensitivityExample("e" + e, ids, labels));
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"false,false,4,F32", "true,false,4,F32", "false,true,2,F32", "true,true,2,BF16"})
    void matchesFullGradients(boolean tied, boolean bias, int kvHeads, DType dtype) {
        LlamaConfig c = config(tied, bias, kvHeads);
        Llama model = RandomLlama.create(c, 11, dtype, 0.3);
        ExecutionContext ctx = ExecutionContext.of(2);
        List<SensitivityExample> exs = examples(c.vocabSize(), 5);
        Sensitivity s = new GradientSensitivity(model, ctx, n -> true).compute(exs, GradientSensitivity.Progress.NONE);

        Map<String, double[]> want = new java.util.LinkedHashMap<>();
        Gradients g = Gradients.all(model);
        LlamaBackward bw = new LlamaBackward(new LlamaForward(model, ctx), 16);
        for (SensitivityExample ex : exs) {
            g.zero();
            bw.lossAndBackward(ex.ids(), ex.labels(), Adapters.NONE, g, 1.0);
            for (String name : g.names()) {
                float[] w = model.tensors().get(name).toFloatArray();
                float[] gr = g.get(name);
                double[] acc = want.computeIfAbsent(name, k -> new double[w.length]);
                for (int i = 0; i < w.length; i++) {
                    acc[i] += Math.abs((double) w[i] * gr[i]);
                }
            }
        }
        assertThat(s.sums().keySet()).containsExactlyElementsOf(model.tensors().keySet());
        for (Map.Entry<String, double[]> e : want.entrySet()) {
            float[] exp = new float[e.getValue().length];
            double total = 0;
            for (int i = 0; i < exp.length; i++) {
                exp[i] = (float) e.getValue()[i];
                total += e.getValue()[i];
            }
            assertClose(e.getKey(), s.map(e.getKey()), exp, 1e-5, 0);
            assertThat(s.sum(e.getKey())).as(e.getKey()).isCloseTo(total, org.assertj.core.data.Offset.offset(1e-5 * total));
        }
    }

    @Test
    void unmappedWeightsKeepOnlyTheirTotal() {
        LlamaConfig c = config(false, false, 4);
        Llama model = RandomLlama.create(c, 3, DType.F32, 0.3);
        ExecutionContext ctx = ExecutionContext.singleThreaded();
        List<SensitivityExample> exs = examples(c.vocabSize(), 9);
        Sensitivity all = new GradientSensitivity(model, ctx, n -> true).compute(exs, GradientSensitivity.Progress.NONE);
        Sensitivity some = new GradientSensitivity(model, ctx, n -> n.contains(".mlp.")).compute(exs, GradientSensitivity.Progress.NONE);
        assertThat(some.isMapped("model.layers.0.mlp.up_proj.weight")).isTrue();
        assertThat(some.isMapped("model.layers.0.self_attn.q_proj.weight")).isFalse();
        assertThatThrownBy(() -> some.map("lm_head.weight")).hasMessageContaining("only its total");
        // equal up to the last bits: the Vector API's interpreted and compiled reductions may round differently
        all.sums().forEach((n, v) -> assertThat(some.sum(n)).as(n).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-5 * v)));
        assertThat(some.layerOrder()).containsExactly(all.layerOrder());
    }

    @Test
    void layerTiesKeepTheLowerIndexFirst() {
        LlamaConfig c = config(false, false, 4);
        Map<String, Double> sums = new java.util.LinkedHashMap<>();
        sums.put("model.layers.0.mlp.up_proj.weight", 1.0);
        sums.put("model.layers.1.mlp.up_proj.weight", 3.0);
        sums.put("model.layers.2.mlp.up_proj.weight", 1.0);
        sums.put("model.norm.weight", 100.0);
        Sensitivity s = new Sensitivity(c, Map.of(), Map.of(), sums, List.of(), new double[0]);
        assertThat(s.layerOrder()).containsExactly(1, 0, 2);
        assertThat(s.keptLayers(2)).containsExactly(0, 1);
        assertThatThrownBy(() -> s.keptLayers(4)).hasMessageContaining("cannot keep 4 of the model's 3 layers");
    }

    @Test
    void refusesExamplesWithNothingScored() {
        Llama model = RandomLlama.create(config(false, false, 4), 3, DType.F32, 0.3);
        SensitivityExample ex = new SensitivityExample("x", new int[] {1, 2, 3}, new int[] {-100, -100, -100});
        assertThatThrownBy(() -> new GradientSensitivity(model, ExecutionContext.singleThreaded(), n -> true)
                .compute(List.of(ex), GradientSensitivity.Progress.NONE)).hasMessageContaining("no scored label");
    }
}
