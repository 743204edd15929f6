package org.pkt4j.bench.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * The three matrix products of a linear layer — y = x·Wᵀ, dx = dy·W, dW += dyᵀ·x — at decode, prefill and
 * training sizes, weights in native memory in their stored dtype. Time per call; GFLOP/s = 2·m·n·k / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class MatMulBenchmark {

    @Param({"1", "64", "256"})
    public int m;

    /** "K x N" of W[N, K]. */
    @Param({"768x2048", "2048x2048", "768x32000"})
    public String shape;

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"1"})
    public int threads;

    private ExecutionContext ctx;
    private Tensor w;
    private float[] x, y, dy, dx, dw;
    private int n, k;

    @Setup(Level.Trial)
    public void setUp() {
        String[] kn = shape.split("x");
        k = Integer.parseInt(kn[0]);
        n = Integer.parseInt(kn[1]);
        SplittableRandom rng = new SplittableRandom(1);
        w = Tensor.allocate("w", DType.valueOf(dtype), n, k);
        for (long i = 0; i < (long) n * k; i++) {
            w.setFloat(i, (float) (rng.nextDouble() - 0.5));
        }
        x = random(rng, m * k);
        dy = random(rng, m * n);
        y = new float[m * n];
        dx = new float[m * k];
        dw = new float[n * k];
        ctx = ExecutionContext.of(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
    }

    @Benchmark
    public float[] linear() {
        MatMul.linear(ctx, x, 0, m, k, w, y, 0, false);
        return y;
    }

    @Benchmark
    public float[] backwardInput() {
        MatMul.linearBackwardInput(ctx, dy, 0, m, n, w, dx, 0, false);
        return dx;
    }

    @Benchmark
    public float[] backwardWeight() {
        MatMul.linearBackwardWeight(ctx, dy, 0, x, 0, m, n, k, dw, 0);
        return dw;
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
