package org.pkt4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.train.TrainStepBenchmark;

/**
 * The harness behind {@code pkt bench}: the machine's FMA peak, GEMM throughput against OpenBLAS, prefill
 * and decode tokens/s on memory-mapped F32 and BF16 checkpoints at 1 and N threads, decode over llama2.c's
 * positions beside the llama2.c binary, PyTorch prefill of the same shape, the training step beside
 * PyTorch's, peak memory while generating, and the targets as ratios — every baseline measured in the same
 * run where it is installed, the issues' quoted numbers otherwise (and always printed for reference).
 */
public final class Bench {
    private Bench() {
    }

    /** llama2.c decode and PyTorch prefill numbers quoted in issue 2 (1 and 2 threads), seen earlier on this kind of machine. */
    static final Map<String, double[]> LLAMA2C_DECODE = Map.of("stories15M", new double[] {286, 486}, "stories110M", new double[] {31.7, 50.7});
    static final Map<String, double[]> TORCH_PREFILL = Map.of("stories15M", new double[] {3600, 4050}, "stories110M", new double[] {562, 673});
    /** PyTorch's training step quoted in issue 3, 1 thread, seq 256: forward + backward, and with AdamW. */
    static final Map<String, double[]> TORCH_TRAIN = Map.of("stories15M", new double[] {430, 210}, "stories110M", new double[] {75, 71});
    private static final String QUOTE = "quoted in issue 2";
    private static final String QUOTE3 = "quoted in issue 3";

    public static BenchReport run(BenchOptions o, Consumer<String> progress) throws IOException, InterruptedException {
        double loadBefore = loadAverage();
        int[] threads = o.threadCounts();
        Map<Integer, Double> peak = new LinkedHashMap<>();
        for (int t : threads) {
            peak.put(t, FmaPeak.gflops(t));
            progress.accept(String.format("FMA peak %d thread(s): %.1f GFLOP/s", t, peak.get(t)));
        }

        List<MatmulBench.Result> matmul = List.of();
        String blasNote = "not used (matmul section skipped)";
        if (o.sections().contains("matmul")) {
            OpenBlas blas = null;
            Optional<Path> lib = OpenBlas.find();
            if (lib.isEmpty()) {
                blasNote = "absent (none of " + OpenBlas.CANDIDATES + "; Debian: apt-get install libopenblas0-pthread)";
            } else {
                try {
                    blas = OpenBlas.load(lib.get(), o.openblasCoreType());
                    blasNote = blas.path() + ", core " + blas.coreName()
                            + (o.openblasCoreType().isEmpty() ? " (auto-detected; OPENBLAS_CORETYPE unset)" : " (OPENBLAS_CORETYPE=" + o.openblasCoreType() + ")");
                } catch (IllegalStateException e) {
                    blasNote = "absent: " + e.getMessage();
                }
            }
            progress.accept("OpenBLAS: " + blasNote);
            matmul = MatmulBench.run(threads, peak.get(1), blas, o.matmulSeconds(), o.seed(), progress);
        }

        List<ModelBench.Result> model = new ArrayList<>();
        List<Llama2cBaseline.Comparison> decode = List.of();
        List<MemoryProbe.Result> memory = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        try {
            Map<String, Path> checkpoints = new LinkedHashMap<>();
            if (o.model() != null) {
                checkpoints.put(String.valueOf(Llama.open(o.model()).config().dtype()), o.model());
            } else if (o.sections().contains("model") || o.sections().contains("memory") || o.sections().contains("llama2c")) {
                for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                    if (dt == DType.F32 && !o.sections().contains("model") && !o.sections().contains("llama2c")) {
                        continue;
                    }
                    Path dir = o.workDir().resolve("pkt-bench-" + o.shapeName() + "-" + dt.name().toLowerCase() + "-" + ProcessHandle.current().pid());
                    progress.accept("writing a random " + dt + " " + o.shapeName() + " checkpoint to " + dir);
                    RandomCheckpoint.write(o.shape(), dt, o.seed(), dir);
                    written.add(dir);
                    checkpoints.put(dt.name(), dir);
                }
            }
            if (o.sections().contains("model")) {
                for (Map.Entry<String, Path> e : checkpoints.entrySet()) {
                    for (int t : threads) {
                        ModelBench.Result r = BenchChild.run(ModelBench.Result.class, progress, "model", e.getValue(), e.getKey(), t,
                                o.promptTokens(), o.newTokens(), o.repeats(), o.seed());
                        model.add(r);
                        progress.accept(String.format("%s %d thread(s): prefill %.1f tokens/s, decode %.1f tokens/s",
                                e.getKey(), t, r.prefillTokensPerSecond(), r.decodeTokensPerSecond()));
                    }
                }
            }
            if (o.sections().contains("llama2c")) {
                decode = decodeBesideLlama2c(o, checkpoints, written, progress);
            }
            if (o.sections().contains("memory")) {
                Map.Entry<String, Path> e = checkpoints.containsKey("BF16") ? Map.entry("BF16", checkpoints.get("BF16"))
                        : checkpoints.entrySet().iterator().next();
                for (String heap : new String[] {null, MemoryProbe.boundedHeap(o.shape(), o.promptTokens(), o.newTokens())}) {
                    MemoryProbe.Result r = MemoryProbe.run(e.getValue(), e.getKey(), o.promptTokens(), o.newTokens(), o.maxThreads(), heap);
                    memory.add(r);
                    progress.accept("memory probe (" + (heap == null ? "default heap" : "-Xmx" + heap) + "): peak RSS "
                            + (r.peakResident() < 0 ? r.note() : r.peakResident() / 1048576 + " MiB"));
                }
            }
        } finally {
            for (Path dir : written) {
                deleteTree(dir);
            }
        }

        List<TorchBaseline.Result> torch = new ArrayList<>();
        if (o.sections().contains("torch")) {
            for (int t : threads) {
                TorchBaseline.Result r = TorchBaseline.prefill(o.python(), o.shape(), "float32", o.promptTokens(), t, o.repeats(), o.openblasCoreType());
                torch.add(r);
                progress.accept("PyTorch prefill " + t + " thread(s): " + (r.prefillTokensPerSecond() == null ? r.note() : r.prefillTokensPerSecond()));
            }
        }

        List<TrainStepBench.Result> train = new ArrayList<>();
        if (o.sections().contains("train")) {
            for (TrainStepBenchmark.Mode mode : TrainStepBenchmark.Mode.values()) {
                for (int t : threads) {
                    train.add(BenchChild.run(TrainStepBench.Result.class, progress, "train", BenchChild.shapeArg(o), mode, t,
                            o.trainTokens(), o.repeats(), o.sections().contains("torch"), o.python(),
                            o.openblasCoreType().isEmpty() ? null : o.openblasCoreType()));
                }
            }
        }

        blasNote += "; PyTorch's OpenBLAS: " + (o.openblasCoreType().isEmpty() ? "OPENBLAS_CORETYPE unset (auto-detected)"
                : "OPENBLAS_CORETYPE=" + o.openblasCoreType());
        List<BenchReport.Quoted> quoted = quoted(o, threads, torch);
        List<BenchReport.Target> targets = new ArrayList<>(targets(o, matmul, model, torch, quoted, decode));
        targets.addAll(trainTargets(train, quoted));
        return new BenchReport(o.shapeName(), Runtime.getRuntime().availableProcessors(), FmaPeak.lanes(),
                Runtime.version().toString(), loadBefore, loadAverage(), peak, blasNote, matmul, model, decode, torch, quoted,
                memory, train, targets);
    }

    /**
     * Our decode over llama2.c's positions (1..new-tokens-1, after a one-token prompt) on the F32 and BF16
     * checkpoints, in turns with the llama2.c binary on the F32 model exported to its format (when given).
     */
    private static List<Llama2cBaseline.Comparison> decodeBesideLlama2c(BenchOptions o, Map<String, Path> checkpoints,
                                                                       List<Path> written, Consumer<String> progress)
            throws IOException, InterruptedException {
        Path f32Dir = checkpoints.get("F32"), bf16Dir = checkpoints.get("BF16");
        Llama f32 = f32Dir != null ? Llama.open(f32Dir) : null;
        Path binary = o.llama2c();
        Path bin = null, tok = null;
        if (binary != null && f32 != null) {
            Path dir = o.workDir().resolve("pkt-bench-llama2c-" + ProcessHandle.current().pid());
            Files.createDirectories(dir);
            written.add(dir);
            bin = dir.resolve("model.bin");
            tok = dir.resolve("tokenizer.bin");
            progress.accept("writing the F32 model in llama2.c's checkpoint format to " + bin);
            Llama2cBaseline.writeCheckpoint(f32, o.newTokens(), bin);
            Llama2cBaseline.writeTokenizer(f32.config().vocabSize(), tok);
        } else if (binary != null) {
            progress.accept("llama2.c not run: it needs an F32 model (got " + checkpoints.keySet() + ")");
            binary = null;
        }
        List<Llama2cBaseline.Comparison> out = new ArrayList<>();
        for (int t : o.threadCounts()) {
            out.add(BenchChild.run(Llama2cBaseline.Comparison.class, progress, "llama2c", binary, bin, tok, f32Dir, bf16Dir,
                    o.newTokens(), t, o.repeats(), o.seed()));
        }
        return out;
    }

    /** The issues' quoted baselines for this shape (always listed, for reference, at 1 and 2 threads). */
    private static List<BenchReport.Quoted> quoted(BenchOptions o, int[] threads, List<TorchBaseline.Result> torch) {
        List<BenchReport.Quoted> q = new ArrayList<>();
        double[] l2c = LLAMA2C_DECODE.get(o.shapeName());
        double[] pt = TORCH_PREFILL.get(o.shapeName());
        double[] tr = TORCH_TRAIN.get(o.shapeName());
        for (int t : threads) {
            if (t > 2) {
                continue;
            }
            if (l2c != null) {
                q.add(new BenchReport.Quoted("llama2.c F32 decode, 256 steps", t, l2c[t - 1], QUOTE));
            }
            // the quote is for a 256-token prompt; prefill tokens/s depends on the length (attention grows with it)
            if (pt != null && o.promptTokens() == 256) {
                q.add(new BenchReport.Quoted("PyTorch F32 prefill, 256 tokens", t, pt[t - 1], QUOTE));
            }
            if (tr != null && t == 1 && o.trainTokens() == 256) {
                q.add(new BenchReport.Quoted("PyTorch train step fwd+bwd, seq 256", t, tr[0], QUOTE3));
                q.add(new BenchReport.Quoted("PyTorch train step fwd+bwd+AdamW, seq 256", t, tr[1], QUOTE3));
            }
        }
        return q;
    }

    /** The goals as ratios; a goal whose baseline is neither measured nor quoted is left out. */
    static List<BenchReport.Target> targets(BenchOptions o, List<MatmulBench.Result> matmul, List<ModelBench.Result> model,
                                            List<TorchBaseline.Result> torch, List<BenchReport.Quoted> quoted,
                                            List<Llama2cBaseline.Comparison> decode) {
        List<BenchReport.Target> out = new ArrayList<>();
        for (int t : o.threadCounts()) {
            for (String dt : new String[] {"F32", "BF16"}) {
                matmul.stream().filter(r -> r.threads() == t && r.m() >= 64 && r.dtype().equals(dt) && r.ratioToOpenblas() != null)
                        .min(Comparator.comparingDouble(MatmulBench.Result::ratioToOpenblas))
                        .ifPresent(r -> out.add(target("matmul M>=64 " + dt + " W, worst shape (M=" + r.m() + " N=" + r.n() + " K=" + r.k() + ")",
                                t, r.gflops(), r.openblasGflops(), "OpenBLAS sgemm, this run", 0.85)));
            }
            Optional<BenchReport.Quoted> l2c = quoted.stream().filter(q -> q.threads() == t && q.what().startsWith("llama2.c")).findFirst();
            Optional<Llama2cBaseline.Comparison> cmp = decode.stream().filter(c -> c.threads() == t).findFirst();
            if (cmp.isPresent()) {
                // ours over llama2.c's positions; its own run when it ran, else the quote
                Llama2cBaseline.Comparison c = cmp.get();
                double base = c.llama2c() != null ? c.llama2c() : l2c.map(BenchReport.Quoted::tokensPerSecond).orElse(Double.NaN);
                String source = c.llama2c() != null ? "llama2.c, this run" : "quoted";
                if (!Double.isNaN(base)) {
                    if (c.f32() != null) {
                        out.add(target("F32 decode vs llama2.c (positions 1-" + (c.steps() - 1) + ")", t, c.f32(), base, source, 1.0));
                    }
                    if (c.bf16() != null) {
                        out.add(target("BF16 decode vs llama2.c F32 (positions 1-" + (c.steps() - 1) + ")", t, c.bf16(), base, source, 1.4));
                    }
                }
            } else {
                for (ModelBench.Result r : model) {
                    if (r.threads() != t || l2c.isEmpty()) {
                        continue;
                    }
                    String where = " (ours after a " + r.promptTokens() + "-token prompt)";
                    if (r.dtype().equals("F32")) {
                        out.add(target("F32 decode vs llama2.c" + where, t, r.decodeTokensPerSecond(), l2c.get().tokensPerSecond(), "quoted", 1.0));
                    } else if (r.dtype().equals("BF16")) {
                        out.add(target("BF16 decode vs llama2.c" + where, t, r.decodeTokensPerSecond(), l2c.get().tokensPerSecond(), "quoted", 1.4));
                    }
                }
            }
            Optional<ModelBench.Result> f32 = model.stream().filter(r -> r.threads() == t && r.dtype().equals("F32")).findFirst();
            if (f32.isPresent()) {
                Optional<TorchBaseline.Result> measured = torch.stream()
                        .filter(r -> r.threads() == t && r.prefillTokensPerSecond() != null).findFirst();
                Optional<BenchReport.Quoted> q = quoted.stream().filter(x -> x.threads() == t && x.what().startsWith("PyTorch")).findFirst();
                if (measured.isPresent()) {
                    out.add(target("F32 prefill vs PyTorch", t, f32.get().prefillTokensPerSecond(),
                            measured.get().prefillTokensPerSecond(), "PyTorch " + measured.get().torchVersion() + ", this run", 1.0));
                } else if (q.isPresent()) {
                    out.add(target("F32 prefill vs PyTorch", t, f32.get().prefillTokensPerSecond(), q.get().tokensPerSecond(), "quoted", 1.0));
                }
            }
        }
        return out;
    }

    /** Issue 3's goal: the training step (forward + backward + AdamW) at >= 2x PyTorch's tokens/s. */
    static List<BenchReport.Target> trainTargets(List<TrainStepBench.Result> train, List<BenchReport.Quoted> quoted) {
        List<BenchReport.Target> out = new ArrayList<>();
        for (TrainStepBench.Result r : train) {
            String name = "train step " + r.mode() + " vs PyTorch";
            if (r.torchStep() != null) {
                out.add(target(name, r.threads(), r.step(), r.torchStep(), "PyTorch " + r.torchVersion() + ", this run", 2.0));
                if (r.stepCpu() != null && r.torchStepCpu() != null) {
                    out.add(target(name + ", CPU time", r.threads(), r.stepCpu(), r.torchStepCpu(), "PyTorch, this run", 2.0));
                }
            } else if (r.mode().equals("FULL")) {
                quoted.stream().filter(q -> q.threads() == r.threads() && q.what().contains("fwd+bwd+AdamW")).findFirst()
                        .ifPresent(q -> out.add(target(name, r.threads(), r.step(), q.tokensPerSecond(), "quoted", 2.0)));
            }
        }
        return out;
    }

    private static BenchReport.Target target(String name, int threads, double ours, double base, String source, double goal) {
        return new BenchReport.Target(name, threads, ours, base, source, ours / base, goal, ours / base >= goal);
    }

    /** The 1-minute load average, or -1 where /proc/loadavg is not available. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
