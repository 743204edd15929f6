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

/**
 * The harness behind {@code pkt bench}: the machine's FMA peak, GEMM throughput against OpenBLAS, prefill
 * and decode tokens/s on memory-mapped F32 and BF16 checkpoints at 1 and N threads, PyTorch prefill of the
 * same shape, peak memory while generating, and the targets as ratios — every baseline measured in the same
 * run where it is installed, the quoted numbers otherwise.
 */
public final class Bench {
    private Bench() {
    }

    /** llama2.c decode and PyTorch prefill numbers quoted in the issue, seen earlier on this kind of machine. */
    static final Map<String, double[]> LLAMA2C_DECODE = Map.of("stories15M", new double[] {286, 486}, "stories110M", new double[] {31.7, 50.7});
    static final Map<String, double[]> TORCH_PREFILL = Map.of("stories15M", new double[] {3600, 4050}, "stories110M", new double[] {562, 673});
    private static final String QUOTE = "quoted in issue 2; not measured in this run";

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
        List<MemoryProbe.Result> memory = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        try {
            Map<String, Path> checkpoints = new LinkedHashMap<>();
            if (o.model() != null) {
                checkpoints.put(String.valueOf(Llama.open(o.model()).config().dtype()), o.model());
            } else if (o.sections().contains("model") || o.sections().contains("memory")) {
                for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                    if (dt == DType.F32 && !o.sections().contains("model")) {
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
                    Llama m = Llama.open(e.getValue());
                    for (int t : threads) {
                        ModelBench.Result r = ModelBench.run(m, e.getKey(), t, o.promptTokens(), o.newTokens(), o.repeats(), o.seed());
                        model.add(r);
                        progress.accept(String.format("%s %d thread(s): prefill %.1f tokens/s, decode %.1f tokens/s",
                                e.getKey(), t, r.prefillTokensPerSecond(), r.decodeTokensPerSecond()));
                    }
                }
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
                TorchBaseline.Result r = TorchBaseline.prefill(o.python(), o.shape(), "float32", o.promptTokens(), t, o.repeats());
                torch.add(r);
                progress.accept("PyTorch prefill " + t + " thread(s): " + (r.prefillTokensPerSecond() == null ? r.note() : r.prefillTokensPerSecond()));
            }
        }

        List<TrainStepBench.Result> train = new ArrayList<>();
        if (o.sections().contains("train")) {
            for (int t : threads) {
                train.add(TrainStepBench.measure("F32", t, o.promptTokens()));
            }
        }

        List<BenchReport.Quoted> quoted = quoted(o, threads, torch);
        List<BenchReport.Target> targets = targets(o, matmul, model, torch, quoted);
        return new BenchReport(o.shapeName(), Runtime.getRuntime().availableProcessors(), FmaPeak.lanes(),
                Runtime.version().toString(), loadBefore, loadAverage(), peak, blasNote, matmul, model, torch, quoted,
                memory, train, targets);
    }

    private static List<BenchReport.Quoted> quoted(BenchOptions o, int[] threads, List<TorchBaseline.Result> torch) {
        List<BenchReport.Quoted> q = new ArrayList<>();
        double[] l2c = LLAMA2C_DECODE.get(o.shapeName());
        double[] pt = TORCH_PREFILL.get(o.shapeName());
        for (int t : threads) {
            if (t > 2) {
                continue;
            }
            if (l2c != null) {
                q.add(new BenchReport.Quoted("llama2.c F32 decode (no llama2.c here)", t, l2c[t - 1], QUOTE));
            }
            boolean torchMeasured = torch.stream().anyMatch(r -> r.threads() == t && r.prefillTokensPerSecond() != null);
            // the quote is for a 256-token prompt; prefill tokens/s depends on the length (attention grows with it)
            if (pt != null && !torchMeasured && o.promptTokens() == 256) {
                q.add(new BenchReport.Quoted("PyTorch F32 prefill, 256 tokens", t, pt[t - 1], QUOTE));
            }
        }
        return q;
    }

    /** The goals as ratios; a goal whose baseline is neither measured nor quoted is left out. */
    static List<BenchReport.Target> targets(BenchOptions o, List<MatmulBench.Result> matmul, List<ModelBench.Result> model,
                                            List<TorchBaseline.Result> torch, List<BenchReport.Quoted> quoted) {
        List<BenchReport.Target> out = new ArrayList<>();
        for (int t : o.threadCounts()) {
            for (String dt : new String[] {"F32", "BF16"}) {
                matmul.stream().filter(r -> r.threads() == t && r.m() >= 64 && r.dtype().equals(dt) && r.ratioToOpenblas() != null)
                        .min(Comparator.comparingDouble(MatmulBench.Result::ratioToOpenblas))
                        .ifPresent(r -> out.add(target("matmul M>=64 " + dt + " W, worst shape (M=" + r.m() + " N=" + r.n() + " K=" + r.k() + ")",
                                t, r.gflops(), r.openblasGflops(), "OpenBLAS sgemm, this run", 0.85)));
            }
            Optional<BenchReport.Quoted> l2c = quoted.stream().filter(q -> q.threads() == t && q.what().startsWith("llama2.c")).findFirst();
            for (ModelBench.Result r : model) {
                if (r.threads() != t || l2c.isEmpty()) {
                    continue;
                }
                if (r.dtype().equals("F32")) {
                    out.add(target("F32 decode vs llama2.c", t, r.decodeTokensPerSecond(), l2c.get().tokensPerSecond(), "quoted", 1.0));
                } else if (r.dtype().equals("BF16")) {
                    out.add(target("BF16 decode vs llama2.c", t, r.decodeTokensPerSecond(), l2c.get().tokensPerSecond(), "quoted", 1.4));
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
