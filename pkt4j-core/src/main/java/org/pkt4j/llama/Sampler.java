package org.pkt4j.llama;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (temperature 0: the first index of the maximum, as argmax does),
 * or temperature sampling restricted to the top-p nucleus, from a seeded generator.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final SplittableRandom rng;

    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0 && Float.isFinite(temperature))) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.rng = new SplittableRandom(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** The next id from logits[off, off + vocab). */
    public int sample(float[] logits, int off, int vocab) {
        if (temperature == 0) {
            return argmax(logits, off, vocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[off + i] - max) / temperature);
            sum += p[i];
        }
        double u = rng.nextDouble();
        if (topP >= 1) {
            double acc = 0;
            int last = 0;
            for (int i = 0; i < vocab; i++) {
                acc += p[i] / sum;
                if (u < acc) {
                    return i;
                }
                last = p[i] > 0 ? i : last;
            }
            // u fell in the rounding gap below 1: the last id that has any probability
            return last;
        }
        // nucleus: the smallest set of most probable ids whose mass reaches top-p (HF's top_p: an id is kept
        // when the mass of the ids ranked above it is below top-p), then a draw from it renormalised.
        // An id other than the most probable one with p < (1 - top-p) / (V - 1) cannot be in the nucleus
        // (llama2.c's pruning): the ids ranked from it down would have mass below 1 - top-p. Sorting only
        // the survivors keeps a 32k-vocabulary step cheap.
        int top = argmax(logits, off, vocab);
        double cutoff = vocab > 1 ? (1 - topP) / (vocab - 1) * sum : 0;
        int m = 0;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            if (p[i] >= cutoff || i == top) {
                order[m++] = i;
            }
        }
        Arrays.sort(order, 0, m, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double mass = 0;
        int n = 0;
        while (n < m && mass < topP * sum) {
            mass += p[order[n++]];
        }
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += p[order[i]] / mass;
            if (u < acc) {
                return order[i];
            }
        }
        return order[n - 1];
    }

    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bv) {
                bv = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
