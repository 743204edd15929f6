package org.pkt4j.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;

/** Placing the fixture's fuse translation at the fixture's target selection reproduces fused/ within one F32 ulp. */
class FusionTest {

    @Test
    void placedTranslationReproducesTheFusedFixture() throws IOException {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        Llama target = Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
        Llama fused = Llama.open(Fixtures.fixture("pkt_pair").resolve("fused"));
        int[] ffnLayers = Fixtures.tensor(exp, "attr.target.ffn_layers").toIntArray();
        int[] attnLayers = Fixtures.tensor(exp, "attr.target.attn_layers").toIntArray();
        int[] ffnNeurons = Fixtures.tensor(exp, "attr.target.ffn_neurons").toIntArray();
        int[] attnNeurons = Fixtures.tensor(exp, "attr.target.attn_neurons").toIntArray();
        int nf = ffnNeurons.length / ffnLayers.length, na = attnNeurons.length / attnLayers.length;
        int d = target.config().hiddenSize(), f = target.config().intermediateSize();

        Map<String, float[]> deltas = new HashMap<>();
        for (Module m : new Module[] {Module.UP, Module.DOWN, Module.V, Module.O}) {
            boolean ffn = m == Module.UP || m == Module.DOWN;
            boolean rows = m == Module.UP || m == Module.V;
            int[] layers = ffn ? ffnLayers : attnLayers;
            int n = ffn ? nf : na;
            float[] tr = Fixtures.tensor(exp, "fuse.translated." + m.shortName()).toFloatArray();
            for (int j = 0; j < layers.length; j++) {
                int[] neurons = java.util.Arrays.copyOfRange(ffn ? ffnNeurons : attnNeurons, j * n, (j + 1) * n);
                float[] delta = new float[n * d];
                for (int i = 0; i < n; i++) {
                    for (int e = 0; e < d; e++) {
                        // rows: translated [layers, n, d_t]; columns: [layers, d_t, n]
                        delta[i * d + e] = rows ? tr[(j * n + i) * d + e] : tr[(j * d + e) * n + i];
                    }
                }
                Tensor w = target.weight(layers[j], m);
                NeuronDelta nd = new NeuronDelta(rows ? NeuronDelta.Kind.ROWS : NeuronDelta.Kind.COLUMNS, neurons, delta, w.dim(0), w.dim(1));
                deltas.put(m.weightName(layers[j]), nd.dense());
            }
        }
        assertThat(f).isEqualTo(128);
        Map<String, Tensor> out = Fusion.fuse(target, deltas);
        long changed = 0;
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            Tensor want = fused.tensors().get(e.getKey());
            Tensor got = e.getValue();
            for (long i = 0; i < got.numel(); i++) {
                float g = got.getFloat(i), w = want.getFloat(i);
                assertThat(Math.abs(g - w)).as("%s[%d]", e.getKey(), i).isLessThanOrEqualTo(Math.ulp(w));
            }
            changed += Fusion.changedElements(got, target.tensors().get(e.getKey()));
        }
        // the README: the translation is ~1e-7, so only a few thousand elements change at all
        assertThat(changed).isBetween(3000L, 6000L);
    }
}
