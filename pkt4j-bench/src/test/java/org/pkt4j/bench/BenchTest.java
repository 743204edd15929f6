package org.pkt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMulScalar;

/** The harness computes what it claims: baselines bound correctly, medians, ratios, a tiny end-to-end run. */
class BenchTest {

    private static final LlamaConfig TINY = RandomLlama.config(32, 1, 4, 2, 48, 64);

    @Test
    void openblasBindingComputesTheSameProductAsTheReference() {
        assumeTrue(OpenBlas.find().isPresent(), "OpenBLAS is not installed here");
        OpenBlas blas = OpenBlas.load(OpenBlas.find().get(), "");
        int m = 5, n = 7, k = 19;
        SplittableRandom rng = new SplittableRandom(3);
        Tensor w = MatmulBench.randomWeight(rng, n, k, DType.F32);
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        float[] expected = new float[m * n];
        MatMulScalar.linear(x, 0, m, k, w, expected, 0, false);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xs = arena.allocate(4L * m * k);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, x.length);
            MemorySegment ys = arena.allocate(4L * m * n);
            blas.setThreads(1);
            blas.linear(xs, m, k, w.data(), n, ys);
            for (int i = 0; i < m * n; i++) {
                assertEquals(expected[i], ys.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-4, "element " + i);
            }
        }
        assertFalse(blas.coreName().isEmpty());
    }

    @Test
    void mediansOfOddAndEvenCounts() {
        assertEquals(2.0, Timing.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Timing.median(new double[] {4, 1, 3, 2}));
        Timing.Samples s = Timing.measure(() -> { }, 0, 4, 0, 10);
        assertEquals(4, s.count());
        assertTrue(s.min() <= s.median() && s.median() <= s.max());
    }

    @Test
    void targetsAreRatiosAgainstMeasuredOrQuotedBaselines() {
        BenchOptions o = options(Set.of("model"), null);
        List<MatmulBench.Result> mm = List.of(
                new MatmulBench.Result(64, 2048, 768, "F32", 1, 170, 0.6, 200.0, 0.85, 5),
                new MatmulBench.Result(256, 2048, 768, "F32", 1, 160, 0.6, 200.0, 0.80, 5),
                new MatmulBench.Result(1, 2048, 768, "F32", 1, 10, 0.1, 100.0, 0.10, 5));
        List<ModelBench.Result> model = List.of(
                new ModelBench.Result("F32", 1, 256, 256, 4000, 300, new double[] {4000}, new double[] {300}),
                new ModelBench.Result("BF16", 1, 256, 256, 4100, 390, new double[] {4100}, new double[] {390}));
        List<BenchReport.Quoted> quoted = List.of(
                new BenchReport.Quoted("llama2.c F32 decode (no llama2.c here)", 1, 286, "quoted"),
                new BenchReport.Quoted("PyTorch F32 prefill, 256 tokens", 1, 3600, "quoted"));
        List<TorchBaseline.Result> torch = List.of(new TorchBaseline.Result("float32", 1, 256, 5000.0, "x", ""));
        List<BenchReport.Target> t = Bench.targets(new BenchOptions("stories15M", TINY, null, 1, 1, 0.1, 8, 4,
                Set.of("model"), "", Path.of("/nonexistent"), o.workDir(), 1), mm, model, torch, quoted);
        BenchReport.Target mmT = find(t, "matmul M>=64 F32");
        assertEquals(0.80, mmT.ratio(), 1e-9, "the worst M >= 64 shape, M = 1 excluded");
        assertFalse(mmT.met());
        assertEquals(300 / 286.0, find(t, "F32 decode").ratio(), 1e-9);
        assertTrue(find(t, "F32 decode").met());
        assertEquals(390 / 286.0, find(t, "BF16 decode").ratio(), 1e-9);
        assertFalse(find(t, "BF16 decode").met(), "1.36 < 1.4");
        BenchReport.Target prefill = find(t, "F32 prefill");
        assertEquals(4000 / 5000.0, prefill.ratio(), 1e-9, "a PyTorch number measured in the run wins over the quote");
        assertTrue(prefill.baselineSource().contains("this run"));
    }

    @Test
    void aTinyEndToEndRunReportsEveryModelMeasurement(@TempDir Path tmp) throws Exception {
        BenchReport r = Bench.run(options(Set.of("model", "train"), tmp), line -> { });
        assertEquals(4, r.model().size(), "F32 and BF16 at 1 and 2 threads");
        for (ModelBench.Result m : r.model()) {
            assertTrue(m.prefillTokensPerSecond() > 0 && m.decodeTokensPerSecond() > 0, m.toString());
        }
        assertTrue(r.matmul().isEmpty());
        assertTrue(r.memory().isEmpty());
        assertEquals(2, r.trainStep().size());
        assertNull(r.trainStep().get(0).tokensPerSecond(), "the train step is not measured on this branch");
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "random checkpoints are deleted");
        }
        String text = r.format();
        assertTrue(text.contains("generation (median tokens/s"), text);
        assertTrue(text.contains("not measured: LlamaBackward"), text);
    }

    @Test
    void randomCheckpointsOpenWithTheirShapeAndDtype(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(TINY, DType.BF16, 5, dir);
        Llama m = Llama.open(dir);
        assertEquals(TINY.hiddenSize(), m.config().hiddenSize());
        assertEquals(TINY.numKvHeads(), m.config().numKvHeads());
        assertEquals(DType.BF16, m.lmHead().dtype());
        assertTrue(MemoryProbe.weightBytes(dir) > 2L * TINY.vocabSize() * TINY.hiddenSize());
    }

    @Test
    void unknownSectionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> options(Set.of("gemm"), null));
    }

    private static BenchReport.Target find(List<BenchReport.Target> t, String prefix) {
        return t.stream().filter(x -> x.name().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no target " + prefix + " in " + t));
    }

    private static BenchOptions options(Set<String> sections, Path tmp) {
        return new BenchOptions("tiny", TINY, null, 2, 1, 0.05, 8, 4, new java.util.HashSet<>(sections), "",
                Path.of("/nonexistent/python3"), tmp == null ? Path.of(System.getProperty("java.io.tmpdir")) : tmp, 1);
    }
}
