package org.pkt4j.demo;

import java.util.List;

/**
 * The demo's random numbers: SplitMix64 (Steele, Lea and Flood 2014), written out here so that the committed
 * demo data stays byte-identical on every JDK — {@code java.util.SplittableRandom} documents its algorithm but
 * does not promise it, and the shuffles and bounded draws below are ours too.
 */
public final class DemoRandom {
    private long state;

    public DemoRandom(long seed) {
        this.state = seed;
    }

    /** A generator for a named sub-stream, independent of how many draws this one has made. */
    public static DemoRandom of(long seed, String stream) {
        long h = seed;
        for (int i = 0; i < stream.length(); i++) {
            h = mix(h + stream.charAt(i) * 0x9E3779B97F4A7C15L);
        }
        return new DemoRandom(h);
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound), by rejection so that no value is favoured. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r >= limit);
        return (int) (r % bound);
    }

    /** Uniform in [lo, hi], both inclusive. */
    public int between(int lo, int hi) {
        if (hi < lo) {
            throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
        }
        return lo + nextInt(hi - lo + 1);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    public boolean chance(double p) {
        return nextDouble() < p;
    }

    public <T> T pick(List<T> items) {
        return items.get(nextInt(items.size()));
    }

    public String pick(String... items) {
        return items[nextInt(items.length)];
    }

    /** Fisher–Yates, in place. */
    public <T> void shuffle(List<T> items) {
        for (int i = items.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            T t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
    }
}
