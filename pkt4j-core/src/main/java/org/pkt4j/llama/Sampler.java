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
        if (temperature < 0 || Float.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
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
            for (int i = 0; i < vocab; i++) {
                acc += p[i] / sum;
                if (u < acc) {
                    return i;
                }
            }
            return vocab - 1;
        }
        // nucleus: the smallest set of most probable ids whose mass reaches top-p
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double mass = 0;
        int n = 0;
        while (n < vocab && mass < topP * sum) {
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
