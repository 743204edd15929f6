package org.pkt4j.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ExampleScores;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.Locator;
import org.pkt4j.attribution.LocateProgress;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.transfer.TransferPlan;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.Fixtures;

/**
 * LaTen's locate against {@code pkt_pair}, computed by the paper's own code: layer scores, unrounded and
 * rounded neuron scores, kept layers and selected neurons at rate 0.25 with n = 3 for both models, and the
 * extracted source knowledge.
 */
class LocateGoldenTest {
    /** The fixture README: unrounded scores within 2e-4 absolute; rounded within 1e-4 + 2e-4. */
    private static final double UNROUNDED = 2e-4, ROUNDED = 3e-4;

    @ParameterizedTest
    @ValueSource(strings = {"source", "target"})
    void locateMatchesTheReference(String side) throws IOException {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        Llama source = Llama.open(Fixtures.fixture("pkt_pair").resolve("source"));
        Llama target = Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
        Llama model = side.equals("source") ? source : target;
        LocateExample ex = new LocateExample("located.0", Fixtures.tensor(exp, "located.0.context_ids").toIntArray(),
                Fixtures.tensor(exp, "located.0.y").toIntArray()[0]);
        LocateOptions opts = LocateOptions.forTarget(target.config(), 0.25, ReadoutCompat.REFERENCE, AttributionMode.EXACT,
                null, 0, source.config());
        Located loc = Locator.locate(model, List.of(ex), opts, ExecutionContext.of(2), LocateProgress.NONE);

        String p = "attr." + side + ".";
        assertClose(p + "attn_layer_scores", toFloats(loc.scores().attnLayerScores()), Fixtures.tensor(exp, p + "attn_layer_scores"), 0, UNROUNDED);
        assertClose(p + "ffn_layer_scores", toFloats(loc.scores().ffnLayerScores()), Fixtures.tensor(exp, p + "ffn_layer_scores"), 0, UNROUNDED);
        ExampleScores s = loc.scores().examples().getFirst();
        assertClose(p + "ffn_neuron_scores", flat(s.ffn()), Fixtures.tensor(exp, p + "ffn_neuron_scores"), 0, UNROUNDED);
        assertClose(p + "attn_neuron_scores", flat(s.attn()), Fixtures.tensor(exp, p + "attn_neuron_scores"), 0, UNROUNDED);
        assertClose(p + "ffn_neuron_scores_rounded", flat(loc.scores().ffnRounded()), Fixtures.tensor(exp, p + "ffn_neuron_scores_rounded"), 0, ROUNDED);
        assertClose(p + "attn_neuron_scores_rounded", flat(loc.scores().attnRounded()), Fixtures.tensor(exp, p + "attn_neuron_scores_rounded"), 0, ROUNDED);

        assertArrayEquals(Fixtures.tensor(exp, p + "attn_layers").toIntArray(), loc.keptAttn(), p + "attn_layers");
        assertArrayEquals(Fixtures.tensor(exp, p + "ffn_layers").toIntArray(), loc.keptFfn(), p + "ffn_layers");
        assertArrayEquals(Fixtures.tensor(exp, p + "ffn_neurons").toIntArray(), flat(loc.ffnNeurons()), p + "ffn_neurons");
        assertArrayEquals(Fixtures.tensor(exp, p + "attn_neurons").toIntArray(), flat(loc.attnNeurons()), p + "attn_neurons");
    }

    @Test
    void extractedKnowledgeIsExactlyTheReferences() throws IOException {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        Llama source = Llama.open(Fixtures.fixture("pkt_pair").resolve("source"));
        Llama target = Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
        LocateExample ex = new LocateExample("located.0", Fixtures.tensor(exp, "located.0.context_ids").toIntArray(),
                Fixtures.tensor(exp, "located.0.y").toIntArray()[0]);
        LocateOptions opts = LocateOptions.forTarget(target.config(), 0.25, ReadoutCompat.REFERENCE, AttributionMode.EXACT,
                null, 0, source.config());
        ExecutionContext ctx = ExecutionContext.of(2);
        Located s = Locator.locate(source, List.of(ex), opts, ctx, LocateProgress.NONE);
        Located t = Locator.locate(target, List.of(ex), opts, ctx, LocateProgress.NONE);
        TransferPlan plan = TransferPlan.build(source, s, t, opts.modules());
        assertEquals(List.of(Module.V, Module.O, Module.UP, Module.DOWN), plan.modules());
        for (Module m : plan.modules()) {
            Tensor want = Fixtures.tensor(exp, "knowledge." + m.shortName());
            Tensor got = plan.knowledge(m);
            assertArrayEquals(want.shape(), got.shape(), m + " shape");
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), m + " knowledge");
        }
    }

    static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    static float[] flat(float[][] rows) {
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

    static int[] flat(int[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
