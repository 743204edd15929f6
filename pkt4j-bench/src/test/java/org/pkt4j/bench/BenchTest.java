package org.pkt4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.pkt4j.io.llama2c.Llama2cCheckpoint;
import org.pkt4j.io.tokenizer.Tokenizers;
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
                Set.of("model"), "", Path.of("/nonexistent"), o.workDir(), 1, 8, null), mm, model, torch, quoted, List.of());
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
    void decodeTargetsPreferLlama2cMeasuredInTheRun() {
        BenchOptions o = options(Set.of("llama2c"), null);
        List<BenchReport.Quoted> quoted = List.of(new BenchReport.Quoted("llama2.c F32 decode, 256 steps", 1, 286, "quoted"));
        List<Llama2cBaseline.Comparison> measured = List.of(new Llama2cBaseline.Comparison(1, 256, 400.0, 600.0, 420.0, ""));
        List<BenchReport.Target> t = Bench.targets(o, List.of(), List.of(), List.of(), quoted, measured);
        assertEquals(400 / 420.0, find(t, "F32 decode vs llama2.c (positions 1-255)").ratio(), 1e-9);
        assertEquals(600 / 420.0, find(t, "BF16 decode").ratio(), 1e-9);
        assertTrue(find(t, "BF16 decode").met(), "1.43 >= 1.4");
        assertTrue(find(t, "F32 decode").baselineSource().contains("this run"));
        List<Llama2cBaseline.Comparison> notRun = List.of(new Llama2cBaseline.Comparison(1, 256, 400.0, null, null, "no binary"));
        t = Bench.targets(o, List.of(), List.of(), List.of(), quoted, notRun);
        assertEquals(400 / 286.0, find(t, "F32 decode").ratio(), 1e-9, "the quote when llama2.c did not run");
        assertEquals(1, t.size(), "no BF16 figure, no BF16 target");
    }

    @Test
    void trainTargetsAreRatiosToPyTorchsStep() {
        List<TrainStepBench.Result> train = List.of(
                new TrainStepBench.Result("FULL", 1, 256, 100, 3000, 1200, 1000, 1100.0, 900.0, 450.0, 500.0, "1.13", ""),
                new TrainStepBench.Result("LORA", 2, 256, 10, 3000, 1500, 1500, null, 1400.0, 1300.0, null, "1.13", ""),
                new TrainStepBench.Result("FULL", 2, 256, 100, 3000, 1200, 1000, null, null, null, null, null, "absent"));
        List<BenchReport.Quoted> quoted = List.of(new BenchReport.Quoted("PyTorch train step fwd+bwd+AdamW, seq 256", 2, 210, "quoted"));
        List<BenchReport.Target> t = Bench.trainTargets(train, quoted);
        assertEquals(4, t.size(), t.toString());
        assertEquals(1000 / 450.0, t.get(0).ratio(), 1e-9);
        assertTrue(t.get(0).met());
        assertEquals(1100 / 500.0, t.get(1).ratio(), 1e-9, "CPU-time ratio with one thread");
        assertEquals(1500 / 1300.0, t.get(2).ratio(), 1e-9);
        assertFalse(t.get(2).met());
        assertEquals(1000 / 210.0, t.get(3).ratio(), 1e-9, "quoted when PyTorch is absent");
        assertEquals("quoted", t.get(3).baselineSource());
    }

    @Test
    void aTinyEndToEndRunReportsEveryModelMeasurement(@TempDir Path tmp) throws Exception {
        // a stand-in for llama2.c's run: checks its arguments and prints run.c's timing line
        Path fake = tmp.resolve("fake-run");
        Files.writeString(fake, "#!/bin/sh\n[ -f \"$1\" ] && [ \"$2 $3 $4 $5 $6\" = \"-t 0 -n 4 -z\" ] && [ -f \"$7\" ] || exit 3\n"
                + "echo \"achieved tok/s: 123.500000\" >&2\n");
        assertTrue(fake.toFile().setExecutable(true));
        Path work = Files.createDirectory(tmp.resolve("work"));
        BenchOptions o = new BenchOptions("tiny", TINY, null, 2, 1, 0.05, 8, 4, Set.of("model", "train", "llama2c"), "",
                Path.of("/nonexistent/python3"), work, 1, 8, fake);
        BenchReport r = Bench.run(o, line -> { });
        assertEquals(4, r.model().size(), "F32 and BF16 at 1 and 2 threads");
        for (ModelBench.Result m : r.model()) {
            assertTrue(m.prefillTokensPerSecond() > 0 && m.decodeTokensPerSecond() > 0, m.toString());
        }
        assertTrue(r.matmul().isEmpty());
        assertTrue(r.memory().isEmpty());
        assertEquals(2, r.decode().size());
        assertEquals(123.5, r.decode().get(0).llama2c(), 1e-9, r.decode().get(0).note());
        assertTrue(r.decode().get(1).f32() > 0 && r.decode().get(1).bf16() > 0);
        assertEquals(4, r.trainStep().size(), "full and LoRA at 1 and 2 threads");
        for (TrainStepBench.Result t : r.trainStep()) {
            assertTrue(t.step() > 0 && t.forwardBackward() > 0 && t.forward() > 0, t.toString());
            assertNull(t.torchStep());
            assertEquals(t.threads() == 1, t.stepCpu() != null, "CPU time with one thread only");
        }
        assertTrue(r.trainStep().get(0).trainableParameters() > r.trainStep().get(2).trainableParameters(), "full > LoRA");
        try (var files = Files.list(work)) {
            assertEquals(0, files.count(), "random and llama2.c checkpoints are deleted");
        }
        String text = r.format();
        assertTrue(text.contains("generation (median tokens/s"), text);
        assertTrue(text.contains("training step, one sequence of 8 tokens"), text);
        assertTrue(text.contains("decode over llama2.c's positions"), text);
    }

    @Test
    void llama2cExportReadsBackAsTheSameModel(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        LlamaConfig gqa = RandomLlama.config(32, 2, 4, 2, 48, 300);
        RandomCheckpoint.write(gqa, DType.F32, 7, dir);
        Llama model = Llama.open(dir);
        Path bin = tmp.resolve("model.bin");
        Llama2cBaseline.writeCheckpoint(model, 16, bin);
        Llama back = Llama2cCheckpoint.open(bin).load();
        for (var e : model.tensors().entrySet()) {
            float[] want = e.getValue().toFloatArray();
            if (e.getKey().equals("lm_head.weight")) {
                java.util.Arrays.fill(want, 32, 64, 0f);
            }
            assertArrayEquals(want, back.tensors().get(e.getKey()).toFloatArray(), e.getKey());
        }
        Path tok = tmp.resolve("tokenizer.bin");
        Llama2cBaseline.writeTokenizer(300, tok);
        assertEquals(300, Tokenizers.load(tok).vocabSize());
        assertTrue(Llama2cBaseline.decode(tmp.resolve("missing"), bin, tok, 4, 1, 5).note().contains("not an executable"));
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
                Path.of("/nonexistent/python3"), tmp == null ? Path.of(System.getProperty("java.io.tmpdir")) : tmp, 1, 8, null);
    }
}
