package org.pkt4j.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkt4j.llama.Activations.AttentionMemory;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.DoubleLlama;
import org.pkt4j.train.CausalLmLoss;

/**
 * Whole-model checks of the paths the fixtures do not hold gradients for (q/k/v/o and MLP biases, sliding
 * window, tied MQA/GQA): for every weight W, the directional derivative Σ ∂L/∂W · U along a random direction
 * U against the central difference (L(W + hU) − L(W − hU)) / 2h of a double-precision reference model.
 */
class LlamaBackwardTest {

    static LlamaConfig config(boolean tied, boolean biases, int window, int kvHeads) {
        return new LlamaConfig("llama", 24, 40, 3, 4, kvHeads, 6, 37, 1e-5, LlamaConfig.RopeConfig.plain(10000), tied,
                biases, biases, biases, 1, List.of(2), 128, window, "float32");
    }

    @ParameterizedTest
    @CsvSource({"true,true,5,2,STORE", "false,true,0,4,RECOMPUTE", "true,false,3,1,RECOMPUTE"})
    void directionalDerivativesMatchFiniteDifferences(boolean tied, boolean biases, int window, int kvHeads,
                                                      AttentionMemory memory) {
        LlamaConfig c = config(tied, biases, window, kvHeads);
        Llama model = RandomLlama.create(c, 5, DType.F32, 0.3);
        SplittableRandom rng = new SplittableRandom(9);
        int T = 11;
        int[] ids = new int[T];
        int[] labels = new int[T];
        for (int t = 0; t < T; t++) {
            ids[t] = rng.nextInt(c.vocabSize());
            labels[t] = t % 4 == 1 ? CausalLmLoss.IGNORE : rng.nextInt(c.vocabSize());
        }
        ExecutionContext ctx = ExecutionContext.of(2);
        LlamaForward fwd = new LlamaForward(model, ctx);
        Gradients grads = Gradients.all(model);
        new LlamaBackward(fwd, T, memory).lossAndBackward(ids, labels, Adapters.NONE, grads, 1.0);
        if (biases) {
            assertTrue(grads.has("model.layers.0.self_attn.q_proj.bias") && grads.has("model.layers.2.mlp.down_proj.bias"));
        }

        DoubleLlama ref = new DoubleLlama(model);
        double loss = CausalLmLoss.loss(fwd.logits(ids), labels, c.vocabSize());
        assertEquals(ref.loss(ids, labels), loss, 1e-5 * Math.abs(loss), "float loss vs the double reference");
        for (String name : grads.names()) {
            double[] w = ref.w.get(name);
            float[] g = grads.get(name);
            double[] u = new double[w.length];
            double rms = 0;
            for (double v : w) {
                rms += v * v;
            }
            rms = Math.sqrt(rms / w.length);
            double analytic = 0, scale = 0;
            for (int i = 0; i < w.length; i++) {
                u[i] = rng.nextBoolean() ? rms : -rms;
                analytic += g[i] * u[i];
                scale += Math.abs(g[i] * u[i]);
            }
            double h = 1e-4;
            double up = lossAlong(ref, w, u, h, ids, labels);
            double down = lossAlong(ref, w, u, -h, ids, labels);
            double numeric = (up - down) / (2 * h);
            assertTrue(Math.abs(numeric - analytic) <= 1e-5 * scale + 1e-9,
                    name + ": directional derivative " + analytic + ", finite difference " + numeric + " (scale " + scale + ")");
        }
    }

    private static double lossAlong(DoubleLlama ref, double[] w, double[] u, double h, int[] ids, int[] labels) {
        double[] keep = w.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += h * u[i];
        }
        double loss = ref.loss(ids, labels);
        System.arraycopy(keep, 0, w, 0, w.length);
        return loss;
    }

    @org.junit.jupiter.api.Test
    void onlyWhatIsAskedGetsABufferAndUnknownNamesAreRefused() {
        LlamaConfig c = config(true, false, 0, 2);
        Llama model = RandomLlama.create(c, 3, DType.F32, 0.1);
        Gradients g = Gradients.of(model, List.of("model.layers.1.mlp.up_proj.weight"));
        assertEquals(1, g.names().size());
        assertEquals(1, g.lowestLayer());
        assertNull(g.get("model.layers.0.mlp.up_proj.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gradients.of(model, List.of("lm_head.weight")));
        assertTrue(e.getMessage().contains("tied"), e.getMessage());
        assertEquals(0, Gradients.of(model, List.of("model.embed_tokens.weight")).lowestLayer());
    }

    @org.junit.jupiter.api.Test
    void aSequenceWithNothingScoredIsRefused() {
        LlamaConfig c = config(false, false, 0, 4);
        Llama model = RandomLlama.create(c, 3, DType.F32, 0.1);
        LlamaBackward b = new LlamaBackward(new LlamaForward(model, ExecutionContext.singleThreaded()), 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.lossAndBackward(new int[] {1, 2, 3}, new int[] {-100, -100, -100}, Adapters.NONE, Gradients.all(model), 1));
        assertTrue(e.getMessage().contains("no label is scored"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> b.lossAndBackward(new int[9], new int[9], Adapters.NONE, Gradients.all(model), 1));
    }
}
