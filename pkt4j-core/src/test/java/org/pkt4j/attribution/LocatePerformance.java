package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * Timings for the closing report, not a unit test: runs only with {@code -Dpkt4j.perf=true} (optionally
 * {@code -Dpkt4j.perf.dtype=BF16}). Exact and fast attribution of a 128-token example on a random
 * stories110M-shaped model, against the arithmetic bound FLOPs(vocabulary projections) / rate of
 * {@code MatMul.linear} measured at the projection's shape in the same run.
 */
@EnabledIfSystemProperty(named = "pkt4j.perf", matches = "true")
class LocatePerformance {

    @Test
    void stories110MExampleTimings() {
        DType dtype = DType.valueOf(System.getProperty("pkt4j.perf.dtype", "F32"));
        int threads = Integer.getInteger("pkt4j.perf.threads", Runtime.getRuntime().availableProcessors());
        ExecutionContext ctx = ExecutionContext.of(threads);
        LlamaConfig c = RandomLlama.stories110M();
        Llama model = RandomLlama.create(c, 110, dtype, 0.02);
        int L = c.numLayers(), d = c.hiddenSize(), f = c.intermediateSize(), qd = c.qDim(), V = c.vocabSize();
        SplittableRandom rng = new SplittableRandom(128);
        List<LocateExample> examples = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] ids = new int[128];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = rng.nextInt(V);
            }
            examples.add(new LocateExample("ex" + i, ids, rng.nextInt(V)));
        }
        // warm the JIT on a small model first
        Llama small = RandomLlama.create(RandomLlama.config(64, 2, 4, 4, 96, 512), 1, dtype, 0.02);
        for (AttributionMode m : AttributionMode.values()) {
            new NeuronAttribution(small, ctx, ReadoutCompat.REFERENCE, m).score(new LocateExample("w", new int[] {1, 2, 3}, 4));
        }

        double rate = matmulRate(ctx, model.lmHead(), d, V);
        double flops = 2.0 * V * d * (f + qd) * L;
        double bound = flops / rate;

        double trace = time(() -> ExampleTrace.of(new LlamaForward(model, ctx), examples.getFirst().contextIds()));
        NeuronAttribution exact = new NeuronAttribution(model, ctx, ReadoutCompat.REFERENCE, AttributionMode.EXACT);
        NeuronAttribution fast = new NeuronAttribution(model, ctx, ReadoutCompat.REFERENCE, AttributionMode.FAST);
        ExampleScores[] one = new ExampleScores[1];
        double traceCpu = lastCpu;
        double exactOne = time(() -> one[0] = exact.score(examples.getFirst()));
        double exactOneCpu = lastCpu;
        List<List<ExampleScores>> four = new ArrayList<>();
        double exactFour = time(() -> four.add(exact.score(examples, LocateProgress.NONE)));
        double exactFourCpu = lastCpu;
        ExampleScores[] fastOne = new ExampleScores[1];
        double fastTime = time(() -> fastOne[0] = fast.score(examples.getFirst()));
        double fastCpu = lastCpu;
        double cpuBound = flops / cpuRate;

        int kf = Selection.count(f, 0.1), ka = Selection.count(d, 0.1);
        double ffnOverlap = 0, attnOverlap = 0;
        for (int l = 0; l < L; l++) {
            ffnOverlap += Selection.topKOverlap(one[0].ffn()[l], fastOne[0].ffn()[l], kf) / L;
            attnOverlap += Selection.topKOverlap(one[0].attn()[l], fastOne[0].attn()[l], ka) / L;
        }
        System.out.println(String.format(Locale.ROOT, """
                locate performance: random stories110M (L %d, d %d, f %d, V %d), %s weights, 128-token example, %d threads
                  MatMul.linear [%d x %d]·[%d x %d]ᵀ: %.1f GFLOP/s
                  projection FLOPs per pass: %.3g (2·V·d·(f + H·hd)·L); bound %.2f s
                  forward trace alone: %.2f s
                  exact, 1 example (no sharing): %.2f s  -> bound/actual %.0f%%
                  exact, 4 examples sharing each projection block: %.2f s = %.2f s/example (%.0f%% of the unshared per-example bound)
                  fast (first-order linearisation), 1 example: %.2f s
                  fast vs exact top-10%% overlap (mean over layers): FFN %.3f, attention %.3f
                  in CPU seconds (insensitive to other processes): matmul %.1f GFLOP/CPU-s, bound %.1f CPU-s; trace %.1f,
                  exact 1 example %.1f (bound/actual %.0f%%), exact 4 examples %.1f = %.1f per example, fast %.2f""",
                L, d, f, V, dtype, threads, NeuronAttribution.BLOCK, d, V, d, rate / 1e9, flops, bound, trace,
                exactOne, 100 * bound / exactOne, exactFour, exactFour / 4, 100 * (exactFour / 4) / bound, fastTime,
                ffnOverlap, attnOverlap, cpuRate / 1e9, cpuBound, traceCpu, exactOneCpu, 100 * cpuBound / exactOneCpu,
                exactFourCpu, exactFourCpu / 4, fastCpu));
        assertTrue(exactOne > 0 && four.getFirst().size() == 4);
    }

    /** FLOP per CPU-second of the same product (set by {@link #matmulRate}). */
    private static double cpuRate;

    /** GFLOP rate of the projection's own product: a [BLOCK, d] fp32 block against the mapped W_lm. */
    private static double matmulRate(ExecutionContext ctx, Tensor lmHead, int d, int V) {
        int m = NeuronAttribution.BLOCK;
        float[] x = new float[m * d], y = new float[m * V];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        double best = Double.MAX_VALUE, bestCpu = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            best = Math.min(best, time(() -> MatMul.linear(ctx, x, 0, m, d, lmHead, y, 0, false)));
            bestCpu = Math.min(bestCpu, lastCpu);
        }
        cpuRate = 2.0 * m * d * V / bestCpu;
        return 2.0 * m * d * V / best;
    }

    /** Wall seconds of r; its process CPU seconds are added to {@link #cpu} (contention-insensitive). */
    private static double time(Runnable r) {
        long c0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        r.run();
        lastCpu = (OS.getProcessCpuTime() - c0) / 1e9;
        return (System.nanoTime() - t0) / 1e9;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    /** CPU seconds (all threads of the process) of the last {@link #time} call. */
    private static double lastCpu;
}
