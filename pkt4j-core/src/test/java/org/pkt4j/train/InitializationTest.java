package org.pkt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.Tensor;

/** Pretraining initialisation: every tensor of the architecture, the stated spreads, norms at one, seeded. */
class InitializationTest {

    private static double std(float[] v) {
        double s = 0, s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }

    @Test
    void matricesHaveTheStatedSpreadAndResidualProjectionsAreScaled() {
        LlamaConfig c = RandomLlama.config(64, 8, 4, 2, 160, 500);
        Map<String, Tensor> t = Initialization.normal(c, 0.02, true, 3);
        assertEquals(RandomLlama.tensors(c, 0, org.pkt4j.tensor.DType.F32, 1).keySet(), t.keySet());
        Llama.of(c, t); // shapes agree with the config
        double residual = 0.02 / Math.sqrt(2 * 8);
        for (Map.Entry<String, Tensor> e : t.entrySet()) {
            float[] v = e.getValue().toFloatArray();
            String n = e.getKey();
            if (n.endsWith("norm.weight")) {
                float[] ones = new float[v.length];
                Arrays.fill(ones, 1f);
                assertArrayEquals(ones, v, n);
            } else {
                double expected = n.endsWith("o_proj.weight") || n.endsWith("down_proj.weight") ? residual : 0.02;
                assertThat(std(v)).as(n).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(10));
            }
        }
        Map<String, Tensor> unscaled = Initialization.normal(c, 0.02, false, 3);
        assertThat(std(unscaled.get("model.layers.3.mlp.down_proj.weight").toFloatArray()))
                .isCloseTo(0.02, org.assertj.core.data.Percentage.withPercentage(10));
    }

    @Test
    void aSeedGivesTheSameWeightsAndAnotherSeedOthers() {
        LlamaConfig c = RandomLlama.config(16, 2, 2, 2, 24, 50);
        Map<String, Tensor> a = Initialization.normal(c, 0.02, true, 1), b = Initialization.normal(c, 0.02, true, 1);
        Map<String, Tensor> other = Initialization.normal(c, 0.02, true, 2);
        for (String n : a.keySet()) {
            assertArrayEquals(a.get(n).toFloatArray(), b.get(n).toFloatArray(), n);
        }
        assertFalse(Arrays.equals(a.get("lm_head.weight").toFloatArray(), other.get("lm_head.weight").toFloatArray()));
    }
}
