package org.pkt4j.bench;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's fp32 FMA peak as Java reaches it: a register-only loop of independent vector FMAs (twelve
 * accumulators, more than latency × issue width on current x86 and ARM cores), no memory traffic. Kernels
 * are reported as a fraction of this number.
 */
public final class FmaPeak {
    private FmaPeak() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * GFLOP/s of {@code threads} threads running the loop at the same time (median of a few runs). Plain
     * threads started together, not the kernel pool: the pool lets its caller take every chunk when a worker
     * wakes late, which would measure one core and call it two.
     */
    public static double gflops(int threads) throws InterruptedException {
        long iters = 20_000_000L;
        loop(iters);
        double[] runs = new double[5];
        for (int r = 0; r < runs.length; r++) {
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException | BrokenBarrierException e) {
                        return;
                    }
                    loop(iters);
                });
                ts[i].start();
            }
            try {
                start.await();
            } catch (BrokenBarrierException e) {
                throw new IllegalStateException("FMA peak threads did not start", e);
            }
            long t0 = System.nanoTime();
            for (Thread t : ts) {
                t.join();
            }
            runs[r] = 12.0 * 2 * F.length() * iters * threads / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
        return Timing.median(runs);
    }

    /** Vector lanes of the preferred species (16 with AVX-512). */
    public static int lanes() {
        return F.length();
    }

    private static float loop(long iters) {
        FloatVector a = FloatVector.broadcast(F, 1.0000001f);
        FloatVector b = FloatVector.broadcast(F, 0.9999999f);
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
