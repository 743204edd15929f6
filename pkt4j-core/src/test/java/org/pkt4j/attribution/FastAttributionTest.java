package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pkt4j.attribution.NeuronAttributionTest.BruteForce;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * The fast mode is the first-order linearisation of the exact score: checked against central finite
 * differences of the brute-force double readout, and its top-k agreement with exact mode measured on a model
 * whose per-neuron moves are small (where the linearisation should hold).
 */
class FastAttributionTest {
    private static final ExecutionContext CTX = ExecutionContext.of(2);

    @Test
    void fastScoresAreTheDirectionalDerivative() {
        Llama model = NeuronAttributionTest.smallModel(DType.F32, 0.3);
        LlamaConfig c = model.config();
        LocateExample ex = NeuronAttributionTest.examples(1, c.vocabSize(), 21).getFirst();
        ExampleScores fast = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.FAST).score(ex);
        ExampleTrace t = ExampleTrace.of(new LlamaForward(model, CTX), ex.contextIds());
        BruteForce bf = new BruteForce(model, ReadoutCompat.REFERENCE, t.finalHidden(), ex.targetId());
        double eps = 1e-4;
        for (int l = 0; l < c.numLayers(); l++) {
            Tensor down = model.weight(l, Module.DOWN), o = model.weight(l, Module.O);
            for (int k = 0; k < c.intermediateSize(); k += 7) {
                double fd = (bf.R(NeuronAttributionTest.moved(t.r()[l], (float) (eps * t.c()[l][k]), down, k))
                        - bf.R(NeuronAttributionTest.moved(t.r()[l], (float) (-eps * t.c()[l][k]), down, k))) / (2 * eps);
                assertEquals(fd, fast.ffn()[l][k], 1e-4 + 1e-3 * Math.abs(fd), "ffn layer " + l + " neuron " + k);
            }
            for (int j = 0; j < c.qDim(); j += 3) {
                double fd = (bf.R(NeuronAttributionTest.moved(t.x()[l], (float) (eps * t.s()[l][j]), o, j))
                        - bf.R(NeuronAttributionTest.moved(t.x()[l], (float) (-eps * t.s()[l][j]), o, j))) / (2 * eps);
                assertEquals(fd, fast.attn()[l][j], 1e-4 + 1e-3 * Math.abs(fd), "attn layer " + l + " neuron " + j);
            }
        }
    }

    @Test
    void fastAgreesWithExactWhereTheMovesAreSmall() {
        // HF-like init (0.02): each neuron moves the readout by ~1e-4, deep in the linear regime
        Llama model = NeuronAttributionTest.smallModel(DType.F32, 0.02);
        LlamaConfig c = model.config();
        LocateExample ex = NeuronAttributionTest.examples(1, c.vocabSize(), 22).getFirst();
        ExampleScores exact = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.EXACT).score(ex);
        ExampleScores fast = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.FAST).score(ex);
        int kf = c.intermediateSize() / 4, ka = c.qDim() / 4;
        for (int l = 0; l < c.numLayers(); l++) {
            assertArrayClose(exact.ffn()[l], fast.ffn()[l]);
            assertTrue(Selection.topKOverlap(exact.ffn()[l], fast.ffn()[l], kf) >= 0.9, "ffn top-k overlap, layer " + l);
            assertTrue(Selection.topKOverlap(exact.attn()[l], fast.attn()[l], ka) >= 0.9, "attn top-k overlap, layer " + l);
        }
        // layer scores are exact in both modes: equal up to fp32 rounding of the log-probabilities (~5e-7 at
        // |log p| ~ 5), which may differ in the last bit when the JIT orders a vector reduction differently
        assertArrayEquals(exact.attnLayer(), fast.attnLayer(), 2e-6);
        assertArrayEquals(exact.ffnLayer(), fast.ffnLayer(), 2e-6);
    }

    /** The linearisation error is second order: |exact − fast| ≤ 5% of the row's largest score. */
    private static void assertArrayClose(float[] exact, float[] fast) {
        double max = 0, worst = 0;
        for (int k = 0; k < exact.length; k++) {
            max = Math.max(max, Math.abs(exact[k]));
            worst = Math.max(worst, Math.abs(exact[k] - fast[k]));
        }
        assertTrue(max > 0 && worst <= 0.05 * max, "linearisation error " + worst + " vs largest score " + max);
    }
}
