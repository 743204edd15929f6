package org.pkt4j.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded sampling: reproducible, only ids inside the top-p nucleus, and empirical frequencies that agree
 * with the renormalised softmax(z / T) within 5 binomial standard deviations (fixed seeds, so the outcome is
 * deterministic; the invariants, not the draws, are what is asserted).
 */
class SamplerTest {

    private static float[] logits(int vocab, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] z = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            z[i] = (float) (scale * r.nextGaussian());
        }
        return z;
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        float[] z = {0.5f, 2f, -1f, 2f, 1f};
        assertEquals(1, Sampler.greedy().sample(z, 0, z.length));
        assertEquals(1, Sampler.greedy().sample(new float[] {9f, 0f, 3f, 3f}, 1, 3), "offset: the index within the row, first of the tie");
    }

    @Test
    void sameSeedSameDraws() {
        float[] z = logits(300, 1, 2);
        int[] a = draw(new Sampler(0.8f, 0.9f, 42), z, 400);
        int[] b = draw(new Sampler(0.8f, 0.9f, 42), z, 400);
        int[] c = draw(new Sampler(0.8f, 0.9f, 43), z, 400);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "another seed gives another sequence");
    }

    @ParameterizedTest
    @CsvSource({"1.0, 1.0", "0.7, 1.0", "1.0, 0.6", "0.5, 0.9", "1.5, 0.3"})
    void drawsFollowTheNucleusDistribution(float temperature, float topP) {
        int vocab = 40;
        float[] z = logits(vocab, 9, 1.5);
        double[] p = nucleus(z, temperature, topP);
        int n = 40_000;
        int[] counts = new int[vocab];
        Sampler s = new Sampler(temperature, topP, 2024);
        for (int i = 0; i < n; i++) {
            counts[s.sample(z, 0, vocab)]++;
        }
        for (int i = 0; i < vocab; i++) {
            if (p[i] == 0) {
                assertEquals(0, counts[i], "id " + i + " lies outside the nucleus but was drawn");
            } else {
                double sd = Math.sqrt(n * p[i] * (1 - p[i]));
                assertTrue(Math.abs(counts[i] - n * p[i]) <= 5 * sd + 1,
                        "id " + i + ": drawn " + counts[i] + " times, expected " + n * p[i] + " ± " + 5 * sd);
            }
        }
    }

    @Test
    void tinyTopPIsGreedyAndUniformLogitsKeepTheFirstHalf() {
        float[] z = logits(1000, 3, 1);
        Sampler s = new Sampler(1, 1e-6f, 5);
        int best = Sampler.argmax(z, 0, z.length);
        for (int i = 0; i < 100; i++) {
            assertEquals(best, s.sample(z, 0, z.length));
        }
        // all ids equally likely, top-p 0.25: the nucleus is the first 250 ids (ties ranked by id); the
        // pruning threshold (1 - p) / (V - 1) exceeds every probability here, which must not empty the set
        float[] flat = new float[1000];
        Sampler u = new Sampler(1, 0.25f, 6);
        boolean[] seen = new boolean[1000];
        for (int i = 0; i < 5000; i++) {
            int id = u.sample(flat, 0, flat.length);
            assertTrue(id < 250, "drew " + id + " outside the first 250");
            seen[id] = true;
        }
        assertTrue(IntStream.range(0, 250).filter(i -> seen[i]).count() > 240, "the nucleus is sampled throughout");
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-0.1f, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Float.NaN, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Float.POSITIVE_INFINITY, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1.01f, 0));
    }

    private static int[] draw(Sampler s, float[] z, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(z, 0, z.length);
        }
        return out;
    }

    /** Independent reference: softmax(z / T), sorted, prefix up to mass >= topP, renormalised; 0 elsewhere. */
    private static double[] nucleus(float[] z, double temperature, double topP) {
        int v = z.length;
        double max = Arrays.stream(IntStream.range(0, v).mapToDouble(i -> z[i]).toArray()).max().orElseThrow();
        double[] p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp((z[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < v; i++) {
            p[i] /= sum;
        }
        Integer[] order = IntStream.range(0, v).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]));
        double[] out = new double[v];
        double mass = 0;
        for (int k = 0; k < v && (k == 0 || mass < topP); k++) {
            out[order[k]] = p[order[k]];
            mass += p[order[k]];
        }
        for (int i = 0; i < v; i++) {
            out[i] /= mass;
        }
        return out;
    }
}
