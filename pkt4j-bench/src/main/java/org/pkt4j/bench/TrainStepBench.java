package org.pkt4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.TrainStepBenchmark;

/**
 * The "train step" section of {@code pkt bench} (issue 3): tokens/s of forward + backward + AdamW on one
 * sequence, full fine-tuning and LoRA rank {@link #LORA_RANK} on every linear of the layers, next to the same
 * step in PyTorch ({@link TorchBaseline#trainStep}). The two run in turns — a few steps of ours, then a
 * PyTorch process, for several rounds — so both see the same contention; every figure is a median.
 */
public final class TrainStepBench {
    private TrainStepBench() {
    }

    public static final int LORA_RANK = 16;
    /** Timed steps of ours per round (after two warm-up rounds' worth before the first). */
    static final int STEPS_PER_ROUND = 3;

    /**
     * One mode at one thread count. Ours: medians of per-round medians, tokens/s; {@code stepCpu} per CPU-second
     * of the calling thread, only with one thread (null otherwise). PyTorch's fields are null when it did not
     * run, with {@code torchNote} saying why.
     */
    public record Result(String mode, int threads, int seqLen, long trainableParameters, double forward, double forwardBackward,
                         double step, Double stepCpu, Double torchForwardBackward, Double torchStep, Double torchStepCpu,
                         String torchVersion, String torchNote) {
    }

    /** Runs {@code rounds} rounds of ours and (when {@code torch}) PyTorch's step for one mode and thread count. */
    public static Result measure(LlamaConfig shape, TrainStepBenchmark.Mode mode, int threads, int seqLen, int rounds,
                                 boolean torch, Path python, String openblasCoreType, Consumer<String> progress) {
        List<TrainStepBenchmark.Result> ours = new ArrayList<>();
        List<TorchBaseline.TrainResult> theirs = new ArrayList<>();
        String note = torch ? "" : "not measured (torch section skipped)";
        try (ExecutionContext ctx = ExecutionContext.of(threads)) {
            TrainStepBenchmark.Session session = new TrainStepBenchmark.Session(shape, mode, LORA_RANK, seqLen, ctx);
            session.measure(2, 1);
            for (int r = 0; r < rounds; r++) {
                TrainStepBenchmark.Result o = session.measure(0, STEPS_PER_ROUND);
                ours.add(o);
                String line = String.format(Locale.ROOT, "train step %s, %d thread(s), round %d: ours %.1f tokens/s", mode, threads,
                        r + 1, o.stepTokensPerSecond());
                if (torch && note.isEmpty()) {
                    TorchBaseline.TrainResult t = TorchBaseline.trainStep(python, shape, mode.name().toLowerCase(Locale.ROOT),
                            LORA_RANK, seqLen, threads, STEPS_PER_ROUND, openblasCoreType);
                    if (t.step() == null) {
                        note = t.note();
                    } else {
                        theirs.add(t);
                        line += String.format(Locale.ROOT, ", PyTorch %.1f", t.step());
                    }
                }
                progress.accept(line);
            }
        }
        TrainStepBenchmark.Result first = ours.get(0);
        Double cpu = threads == 1 ? median(ours.stream().mapToDouble(TrainStepBenchmark.Result::stepCpuTokensPerSecond).toArray()) : null;
        if (theirs.isEmpty()) {
            return new Result(mode.name(), threads, seqLen, first.trainableParameters(),
                    median(ours.stream().mapToDouble(TrainStepBenchmark.Result::forwardTokensPerSecond).toArray()),
                    median(ours.stream().mapToDouble(TrainStepBenchmark.Result::backwardTokensPerSecond).toArray()),
                    median(ours.stream().mapToDouble(TrainStepBenchmark.Result::stepTokensPerSecond).toArray()), cpu,
                    null, null, null, null, note);
        }
        return new Result(mode.name(), threads, seqLen, first.trainableParameters(),
                median(ours.stream().mapToDouble(TrainStepBenchmark.Result::forwardTokensPerSecond).toArray()),
                median(ours.stream().mapToDouble(TrainStepBenchmark.Result::backwardTokensPerSecond).toArray()),
                median(ours.stream().mapToDouble(TrainStepBenchmark.Result::stepTokensPerSecond).toArray()), cpu,
                median(theirs.stream().mapToDouble(TorchBaseline.TrainResult::forwardBackward).toArray()),
                median(theirs.stream().mapToDouble(TorchBaseline.TrainResult::step).toArray()),
                threads == 1 ? median(theirs.stream().mapToDouble(TorchBaseline.TrainResult::stepCpu).toArray()) : null,
                theirs.get(0).torchVersion(), "");
    }

    private static double median(double[] v) {
        return Timing.median(v);
    }
}
