package org.pkt4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * y = x·Wᵀ throughput of {@link MatMul#linear} for decode (M = 1) and prefill/training (M = 64, 256) shapes,
 * with F32 and BF16 weights in native memory (as mapped weights are), next to OpenBLAS {@code cblas_sgemm}
 * on the same fp32 weights and activations, timed in the same process and in turns (one call of each per
 * round), so both see the same contention. OpenBLAS has no BF16-weight × fp32 product, so BF16 rows compare
 * against its fp32 sgemm on the unrounded weights.
 */
public final class MatmulBench {
    private MatmulBench() {
    }

    /** One shape at one thread count. Nullable fields are absent baselines. */
    public record Result(int m, int n, int k, String dtype, int threads, double gflops, double fractionOfPeak,
                         Double openblasGflops, Double ratioToOpenblas, int runs) {
    }

    public static final int[] ROWS = {1, 64, 256};
    /** Untimed calls per body before timing: long enough for the JIT to compile the kernels (~0.1 s). */
    static final double WARMUP_SECONDS = 0.3;
    /** (K, N): a 768- or 2048-wide input into a 2048-wide projection or a 32000-token LM head. */
    public static final int[][] K_N = {{768, 2048}, {2048, 2048}, {768, 32000}, {2048, 32000}};

    /**
     * @param peakPerThread FMA peak of one thread, GFLOP/s (fractions use peak × threads)
     * @param blas          the baseline, or null when absent
     */
    public static List<Result> run(int[] threadCounts, double peakPerThread, OpenBlas blas, double seconds, long seed,
                                   Consumer<String> progress) {
        List<Result> out = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int[] kn : K_N) {
            int k = kn[0], n = kn[1];
            Tensor w32 = randomWeight(rng, n, k, DType.F32);
            Tensor w16 = Tensor.allocate("w", DType.BF16, n, k);
            for (long i = 0; i < (long) n * k; i++) {
                w16.setFloat(i, w32.getFloat(i));
            }
            for (int m : ROWS) {
                float[] x = new float[m * k];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (rng.nextDouble() * 2 - 1);
                }
                float[] y = new float[m * n];
                double flops = 2.0 * m * n * k;
                for (int t : threadCounts) {
                    try (ExecutionContext ctx = ExecutionContext.of(t); Arena arena = Arena.ofConfined()) {
                        MemorySegment xs = arena.allocate((long) m * k * 4, 64);
                        MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, x.length);
                        MemorySegment ys = arena.allocate((long) m * n * 4, 64);
                        List<Runnable> bodies = new ArrayList<>();
                        bodies.add(() -> MatMul.linear(ctx, x, 0, m, k, w32, y, 0, false));
                        bodies.add(() -> MatMul.linear(ctx, x, 0, m, k, w16, y, 0, false));
                        if (blas != null) {
                            blas.setThreads(t);
                            bodies.add(() -> blas.linear(xs, m, k, w32.data(), n, ys));
                        }
                        Timing.Samples[] s = Timing.interleaved(bodies.toArray(Runnable[]::new), WARMUP_SECONDS, 3,
                                seconds * bodies.size(), 100_000);
                        Double blasGflops = blas == null ? null : flops / s[2].median() / 1e9;
                        for (int i = 0; i < 2; i++) {
                            double g = flops / s[i].median() / 1e9;
                            Result r = new Result(m, n, k, i == 0 ? "F32" : "BF16", t, g, g / (peakPerThread * t), blasGflops,
                                    blasGflops == null ? null : g / blasGflops, s[i].count());
                            out.add(r);
                            progress.accept(String.format("matmul m=%d n=%d k=%d %s threads=%d: %.1f GFLOP/s%s", m, n, k,
                                    r.dtype(), t, g, blasGflops == null ? "" : String.format(" (OpenBLAS %.1f)", blasGflops)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** W[n, k] of uniform(-1, 1) fp32 values in native memory. */
    static Tensor randomWeight(SplittableRandom rng, int n, int k, DType dtype) {
        Tensor w = Tensor.allocate("w", dtype, n, k);
        for (long i = 0; i < (long) n * k; i++) {
            w.setFloat(i, (float) (rng.nextDouble() * 2 - 1));
        }
        return w;
    }
}
