package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.Close.maxAbs;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * The batched exact scores against a brute-force double-precision readout that builds every perturbed vector
 * and projects it on its own (one LM-head product per neuron), on a small grouped-query model with odd shapes.
 */
class NeuronAttributionTest {
    private static final ExecutionContext CTX = ExecutionContext.of(2);

    /** d 40, 2 layers, 4 heads over 2 kv heads (hd 10), f 72, V 97: odd sizes, GQA, vector tails everywhere. */
    static Llama smallModel(DType dtype, double scale) {
        LlamaConfig c = RandomLlama.config(40, 2, 4, 2, 72, 97);
        return RandomLlama.create(c, 4242, dtype, scale);
    }

    static List<LocateExample> examples(int count, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<LocateExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] ids = new int[3 + rng.nextInt(6)];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = rng.nextInt(vocab);
            }
            out.add(new LocateExample("ex" + i, ids, rng.nextInt(vocab)));
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"F32, REFERENCE", "BF16, REFERENCE", "F32, EXACT_RMSNORM"})
    void exactScoresMatchBruteForce(DType dtype, ReadoutCompat compat) {
        Llama model = smallModel(dtype, 0.3);
        LlamaConfig c = model.config();
        LocateExample ex = examples(1, c.vocabSize(), 11).getFirst();
        ExampleScores got = new NeuronAttribution(model, CTX, compat, AttributionMode.EXACT).score(ex);
        ExampleTrace t = ExampleTrace.of(new LlamaForward(model, CTX), ex.contextIds());
        BruteForce bf = new BruteForce(model, compat, t.finalHidden(), ex.targetId());
        for (int l = 0; l < c.numLayers(); l++) {
            assertEquals(bf.R(t.r()[l]) - bf.R(t.x()[l]), got.attnLayer()[l], 2e-5, "A_" + l);
            assertEquals(bf.R(t.h()[l]) - bf.R(t.r()[l]), got.ffnLayer()[l], 2e-5, "F_" + l);
            Tensor down = model.weight(l, Module.DOWN), o = model.weight(l, Module.O);
            double baseR = bf.R(t.r()[l]), baseX = bf.R(t.x()[l]);
            double worst = 0;
            for (int k = 0; k < c.intermediateSize(); k++) {
                double want = bf.R(moved(t.r()[l], t.c()[l][k], down, k)) - baseR;
                worst = Math.max(worst, Math.abs(want - got.ffn()[l][k]));
            }
            for (int j = 0; j < c.qDim(); j++) {
                double want = bf.R(moved(t.x()[l], t.s()[l][j], o, j)) - baseX;
                worst = Math.max(worst, Math.abs(want - got.attn()[l][j]));
            }
            assertEquals(0, worst, 5e-5, "layer " + l + ": worst neuron score difference");
            assertTrue(maxAbs(got.ffn()[l]) > 0.05 && maxAbs(got.attn()[l]) > 0.05, "scores large enough to mean something");
        }
    }

    /** Equal up to float rounding: Math.exp may differ by an ulp between JIT tiers and the forward kernels by summation order. */
    @Test
    void batchingDoesNotChangeAnyScore() {
        Llama model = smallModel(DType.F32, 0.3);
        List<LocateExample> exs = examples(5, model.config().vocabSize(), 12);
        List<ExampleScores> together = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.EXACT, 64)
                .score(exs, LocateProgress.NONE);
        List<ExampleScores> inTwos = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.EXACT, 2)
                .score(exs, LocateProgress.NONE);
        for (int e = 0; e < exs.size(); e++) {
            ExampleScores alone = new NeuronAttribution(model, CTX, ReadoutCompat.REFERENCE, AttributionMode.EXACT).score(exs.get(e));
            for (ExampleScores other : List.of(together.get(e), inTwos.get(e))) {
                assertArrayEquals(alone.attnLayer(), other.attnLayer(), 1e-5);
                assertArrayEquals(alone.ffnLayer(), other.ffnLayer(), 1e-5);
                for (int l = 0; l < alone.layers(); l++) {
                    assertArrayEquals(alone.ffn()[l], other.ffn()[l], 1e-5f, "ffn, example " + e + " layer " + l);
                    assertArrayEquals(alone.attn()[l], other.attn()[l], 1e-5f, "attn, example " + e + " layer " + l);
                }
            }
        }
    }

    /** v + coef · W[:, k] in double. */
    static double[] moved(float[] v, float coef, Tensor w, int k) {
        int n = w.cols();
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] + (double) coef * w.getFloat((long) i * n + k);
        }
        return out;
    }

    /** R(v) = log_softmax(W_lm (g ⊙ v)·s)[y], every step in double. */
    static final class BruteForce {
        final Tensor lm;
        final float[] g;
        final double s;
        final int y;

        BruteForce(Llama model, ReadoutCompat compat, float[] finalHidden, int y) {
            this.lm = model.lmHead();
            this.g = model.norm().toFloatArray();
            this.y = y;
            int d = finalHidden.length;
            double mean = 0, sq = 0;
            for (float v : finalHidden) {
                mean += v;
                sq += (double) v * v;
            }
            mean /= d;
            double var = 0;
            for (float v : finalHidden) {
                var += (v - mean) * (v - mean);
            }
            var /= d;
            this.s = compat == ReadoutCompat.REFERENCE ? 1 / Math.sqrt(Math.sqrt(var + 1e-5) + 1e-6)
                    : 1 / Math.sqrt(sq / d + model.config().rmsNormEps());
        }

        double R(float[] v) {
            double[] dv = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                dv[i] = v[i];
            }
            return R(dv);
        }

        double R(double[] v) {
            int V = lm.rows(), d = v.length;
            double[] logits = new double[V];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) {
                double acc = 0;
                for (int i = 0; i < d; i++) {
                    acc += lm.getFloat((long) j * d + i) * (g[i] * v[i] * s);
                }
                logits[j] = acc;
                max = Math.max(max, acc);
            }
            double sum = 0;
            for (double z : logits) {
                sum += Math.exp(z - max);
            }
            return logits[y] - max - Math.log(sum);
        }
    }
}
