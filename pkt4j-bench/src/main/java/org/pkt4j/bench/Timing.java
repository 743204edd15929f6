package org.pkt4j.bench;

import java.util.Arrays;

/**
 * Wall-clock timing with warm-up and medians. Medians, not means or minima: on a machine shared with other
 * processes a few runs are stretched by preemption, and the median ignores them without pretending the
 * best run is typical.
 */
public final class Timing {
    private Timing() {
    }

    /** Seconds of each timed run, sorted ascending. */
    public record Samples(double[] seconds) {
        public double median() {
            int n = seconds.length;
            return n % 2 == 1 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
        }

        public double min() {
            return seconds[0];
        }

        public double max() {
            return seconds[seconds.length - 1];
        }

        public int count() {
            return seconds.length;
        }
    }

    /**
     * Runs {@code body} untimed for {@code warmupSeconds} (at least once), then times it at least
     * {@code minRuns} times and until {@code minSeconds} have passed (at most {@code maxRuns} runs).
     */
    public static Samples measure(Runnable body, double warmupSeconds, int minRuns, double minSeconds, int maxRuns) {
        long w0 = System.nanoTime();
        do {
            body.run();
        } while (System.nanoTime() - w0 < warmupSeconds * 1e9);
        double[] s = new double[maxRuns];
        int n = 0;
        long t0 = System.nanoTime();
        while (n < maxRuns && (n < minRuns || System.nanoTime() - t0 < minSeconds * 1e9)) {
            long t = System.nanoTime();
            body.run();
            s[n++] = (System.nanoTime() - t) / 1e9;
        }
        double[] out = Arrays.copyOf(s, n);
        Arrays.sort(out);
        return new Samples(out);
    }

    /**
     * Times several bodies in turns — one call of each per round — so that on a shared machine they all see
     * the same mix of quiet and contended moments, which separate runs of a few seconds each do not. Each body
     * is warmed up first; rounds continue until {@code minRounds} and {@code minSeconds} are both reached.
     */
    public static Samples[] interleaved(Runnable[] bodies, double warmupSeconds, int minRounds, double minSeconds, int maxRounds) {
        for (Runnable b : bodies) {
            long w0 = System.nanoTime();
            do {
                b.run();
            } while (System.nanoTime() - w0 < warmupSeconds * 1e9);
        }
        double[][] s = new double[bodies.length][maxRounds];
        int n = 0;
        long t0 = System.nanoTime();
        while (n < maxRounds && (n < minRounds || System.nanoTime() - t0 < minSeconds * 1e9)) {
            for (int i = 0; i < bodies.length; i++) {
                long t = System.nanoTime();
                bodies[i].run();
                s[i][n] = (System.nanoTime() - t) / 1e9;
            }
            n++;
        }
        Samples[] out = new Samples[bodies.length];
        for (int i = 0; i < bodies.length; i++) {
            double[] v = Arrays.copyOf(s[i], n);
            Arrays.sort(v);
            out[i] = new Samples(v);
        }
        return out;
    }

    /** The median of values (sorted copy). */
    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return new Samples(v).median();
    }
}
