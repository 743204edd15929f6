package org.pkt4j.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkt4j.attribution.GradientSensitivity;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.postalign.PostAlignPlan;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;

/**
 * Post-Align PKT against {@code pkt_pair} (part e of its README), computed by ParaKnowTransfer's own
 * {@code extract_lora_with_sensitivity.py}: tensor and layer sensitivities, the layer ranking, every module's window
 * corner and sum, the rank-4 singular values and B·A.
 */
class PostAlignGoldenTest {
    /** The fixture README: sensitivities, window sums and singular values within 1e-5 relative; B·A within 3e-4. */
    private static final double REL = 1e-5;

    static SafetensorsFile exp;
    static Llama source;
    static Llama target;
    static Sensitivity sensitivity;
    static PostAlignPlan plan;

    @BeforeAll
    static void compute() throws IOException {
        exp = Fixtures.expected("pkt_pair");
        source = Llama.open(Fixtures.fixture("pkt_pair").resolve("source"));
        target = Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
        List<SensitivityExample> seeds = List.of(seed(0), seed(1));
        ExecutionContext ctx = ExecutionContext.of(2);
        sensitivity = new GradientSensitivity(source, ctx, n -> true).compute(seeds, GradientSensitivity.Progress.NONE);
        plan = PostAlignPlan.build(source, target.config(), sensitivity, new PostAlignPlan.Options(4, true, 0), ctx, w -> { });
    }

    static SensitivityExample seed(int i) {
        return new SensitivityExample("pa." + i, Fixtures.tensor(exp, "pa." + i + ".input_ids").toIntArray(),
                Fixtures.tensor(exp, "pa." + i + ".labels").toIntArray());
    }

    static double scalar(String name) {
        return Fixtures.tensor(exp, name).getFloat(0);
    }

    static void assertRel(String what, double actual, double expected, double rel) {
        assertThat(actual).as(what).isCloseTo(expected, org.assertj.core.data.Offset.offset(rel * Math.abs(expected)));
    }

    @Test
    void tensorAndLayerSensitivities() {
        int checked = 0;
        for (Tensor t : exp.tensors().values()) {
            if (t.name().startsWith("pa.tensor_sensitivity.")) {
                String w = t.name().substring("pa.tensor_sensitivity.".length());
                assertRel(w, sensitivity.sum(w), t.getFloat(0), REL);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(source.tensors().size());
        float[] layers = Fixtures.tensor(exp, "pa.layer_sensitivity").toFloatArray();
        double[] got = sensitivity.layerScores();
        for (int l = 0; l < layers.length; l++) {
            assertRel("layer " + l, got[l], layers[l], REL);
        }
        assertArrayEquals(Fixtures.tensor(exp, "pa.layer_order").toIntArray(), sensitivity.layerOrder(), "layer order");
        assertArrayEquals(Fixtures.tensor(exp, "pa.kept_layers").toIntArray(), sensitivity.keptLayers(target.numLayers()), "kept layers");
    }

    @Test
    void windowsSingularValuesAndProducts() {
        assertArrayEquals(Fixtures.tensor(exp, "pa.kept_layers").toIntArray(), plan.keptLayers(), "kept layers");
        assertThat(plan.windows()).hasSize(2 + 7 * target.numLayers());
        for (PostAlignPlan.Window w : plan.windows()) {
            String key = w.targetPath();
            assertArrayEquals(Fixtures.tensor(exp, "pa.corner." + key).toIntArray(), new int[] {w.row(), w.col()}, "corner of " + key);
            assertRel("window sum of " + key, w.sum(), scalar("pa.window_sum." + key), REL);
            float[] sv = Fixtures.tensor(exp, "pa.S." + key).toFloatArray();
            for (int i = 0; i < sv.length; i++) {
                assertRel("singular value " + i + " of " + key, w.factors().values()[i], sv[i], REL);
            }
            Tensor ba = Fixtures.tensor(exp, "pa.BA." + key);
            assertThat(ba.shape()).as(key).containsExactly(w.height(), w.width());
            assertClose("B·A of " + key, w.factors().product(), ba, 3e-4, 0);
        }
    }
}
