package org.pkt4j.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one {@code pkt bench} run measured, with the baselines measured in the same process and the
 * issue's quoted numbers where no baseline could run. Serialised as is for {@code --json}.
 *
 * @param loadBefore 1-minute load average when the run started (above the core count = contended)
 */
public record BenchReport(String shape, int cores, int vectorLanes, String java, double loadBefore, double loadAfter,
                          Map<Integer, Double> fmaPeakGflops, String openblas, List<MatmulBench.Result> matmul,
                          List<ModelBench.Result> model, List<Llama2cBaseline.Comparison> decode,
                          List<TorchBaseline.Result> torch, List<Quoted> quoted,
                          List<MemoryProbe.Result> memory, List<TrainStepBench.Result> trainStep, List<Target> targets) {

    /** A number quoted in the issue (measured earlier on this kind of machine), used when no baseline ran here. */
    public record Quoted(String what, int threads, double tokensPerSecond, String source) {
    }

    /** A goal as a ratio of ours to a baseline; {@code baseline} says whether it was measured in this run. */
    public record Target(String name, int threads, double ours, double baseline, String baselineSource, double ratio,
                         double goal, boolean met) {
    }

    /** The human-readable report. */
    public String format() {
        StringBuilder b = new StringBuilder();
        line(b, "pkt bench: shape %s, %d cores, %d float lanes, Java %s", shape, cores, vectorLanes, java);
        line(b, "load average %.2f at start, %.2f at end%s", loadBefore, loadAfter,
                Math.max(loadBefore, loadAfter) > cores ? "  (CONTENDED: other processes share the cores; rerun on a quiet machine)" : "");
        fmaPeakGflops.forEach((t, g) -> line(b, "FMA peak, %d thread%s: %.1f GFLOP/s", t, t == 1 ? "" : "s", g));
        line(b, "OpenBLAS: %s", openblas);
        if (!matmul.isEmpty()) {
            line(b, "");
            line(b, "matmul y = x·Wᵀ (median GFLOP/s)");
            line(b, "%6s %6s %6s %5s %3s %9s %7s %9s %7s", "M", "N", "K", "W", "thr", "GFLOP/s", "peak", "OpenBLAS", "ratio");
            for (MatmulBench.Result r : matmul) {
                line(b, "%6d %6d %6d %5s %3d %9.1f %6.0f%% %9s %7s", r.m(), r.n(), r.k(), r.dtype(), r.threads(), r.gflops(),
                        100 * r.fractionOfPeak(), r.openblasGflops() == null ? "absent" : String.format(Locale.ROOT, "%.1f", r.openblasGflops()),
                        r.ratioToOpenblas() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.ratioToOpenblas()));
            }
        }
        if (!model.isEmpty()) {
            line(b, "");
            line(b, "generation (median tokens/s over repeats; prefill = prompt pass, decode = one token per step)");
            line(b, "%5s %3s %8s %10s %6s %10s", "W", "thr", "prompt", "prefill", "new", "decode");
            for (ModelBench.Result r : model) {
                line(b, "%5s %3d %8d %10.1f %6d %10.1f", r.dtype(), r.threads(), r.promptTokens(), r.prefillTokensPerSecond(),
                        r.newTokens(), r.decodeTokensPerSecond());
            }
        }
        if (!decode.isEmpty()) {
            line(b, "");
            line(b, "decode over llama2.c's positions (one-token prompt, positions 1..N-1; median tokens/s over rounds run in turns)");
            line(b, "%3s %6s %10s %10s %10s  %s", "thr", "N", "F32", "BF16", "llama2.c", "");
            for (Llama2cBaseline.Comparison c : decode) {
                line(b, "%3d %6d %10s %10s %10s  %s", c.threads(), c.steps(), num(c.f32()), num(c.bf16()), num(c.llama2c()), c.note());
            }
        }
        if (!torch.isEmpty()) {
            line(b, "");
            for (TorchBaseline.Result r : torch) {
                line(b, "PyTorch %s prefill, %d thread%s: %s", r.dtype(), r.threads(), r.threads() == 1 ? "" : "s",
                        r.prefillTokensPerSecond() == null ? r.note()
                                : String.format(Locale.ROOT, "%.1f tokens/s (torch %s)", r.prefillTokensPerSecond(), r.torchVersion()));
            }
        }
        for (Quoted q : quoted) {
            line(b, "quoted: %s, %d thread%s: %.1f tokens/s (%s)", q.what(), q.threads(), q.threads() == 1 ? "" : "s",
                    q.tokensPerSecond(), q.source());
        }
        if (!memory.isEmpty()) {
            line(b, "");
        }
        for (MemoryProbe.Result m : memory) {
            String heap = m.maxHeap() == null ? "default heap" : "-Xmx" + m.maxHeap();
            if (m.peakResident() < 0) {
                line(b, "memory (%s checkpoint, %s): %s", m.dtype(), heap, m.note());
            } else {
                line(b, "memory while generating (%s checkpoint, %s): peak RSS %s = JVM %s + weights %s (mapped) + KV cache %s"
                                + " + activations %s + other %s (Java heap committed %s)",
                        m.dtype(), heap, mib(m.peakResident()), mib(m.jvmBaseline()), mib(m.weightFiles()),
                        mib(m.kvCache()), mib(m.activations()), mib(m.unexplained()), mib(m.heapCommitted()));
            }
        }
        if (!trainStep.isEmpty()) {
            line(b, "");
            line(b, "training step, one sequence of %d tokens, every position scored (median tokens/s; CPU = per CPU-second, 1 thread)",
                    trainStep.get(0).seqLen());
            line(b, "%5s %3s %11s %9s %9s %9s %9s | %13s %9s %9s", "mode", "thr", "trainable", "forward", "fwd+bwd", "+AdamW",
                    "CPU", "PyTorch f+b", "+AdamW", "CPU");
            for (TrainStepBench.Result r : trainStep) {
                line(b, "%5s %3d %11d %9.1f %9.1f %9.1f %9s | %13s %9s %9s  %s", r.mode(), r.threads(), r.trainableParameters(),
                        r.forward(), r.forwardBackward(), r.step(), num(r.stepCpu()), num(r.torchForwardBackward()),
                        num(r.torchStep()), num(r.torchStepCpu()),
                        r.torchVersion() == null ? r.torchNote() : "torch " + r.torchVersion());
            }
        }
        if (!targets.isEmpty()) {
            line(b, "");
            line(b, "targets (ratio of ours to the baseline)");
            for (Target t : targets) {
                line(b, "  %-52s %d thr: %8.1f vs %8.1f (%s) = %.2f, goal %.2f: %s", t.name(), t.threads(), t.ours(), t.baseline(),
                        t.baselineSource(), t.ratio(), t.goal(), t.met() ? "met" : "NOT met");
            }
        }
        return b.toString();
    }

    private static String num(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static void line(StringBuilder b, String fmt, Object... args) {
        b.append(String.format(Locale.ROOT, fmt, args)).append('\n');
    }
}
