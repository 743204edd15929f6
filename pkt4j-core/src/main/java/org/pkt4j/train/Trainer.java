package org.pkt4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Activations.AttentionMemory;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Mini-batch training of a {@link TrainableModel}: each optimizer step accumulates the gradients of a batch
 * of single sequences, each run at its own length (no padding, PKT-SPEC §1), then clips, schedules and steps.
 * Epochs visit the examples in a seeded order. With a run directory it appends {@code loss.jsonl} (one line
 * per step) and writes atomic {@link TrainerCheckpoint}s; {@code resume} continues from the newest one and
 * reaches the same weights as an uninterrupted run. A non-finite loss or gradient stops training with
 * {@link TrainingDivergedException}, after checkpointing the last good state.
 */
public final class Trainer {

    /** How the losses of a batch's sequences combine into the objective whose gradient is taken. */
    public enum Reduction {
        /** Mean over sequences of each sequence's mean token loss (HF Trainer with gradient accumulation). */
        MEAN,
        /** Sum over sequences of each sequence's mean token loss (LaTen accumulates this way). */
        SUM,
        /** Mean over every scored token of the batch. */
        TOKEN_MEAN
    }

    /**
     * @param epochs          passes over the data
     * @param batchSize       sequences per optimizer step (the last batch of an epoch may be smaller)
     * @param reduction       how sequence losses combine
     * @param maxGradNorm     global-norm clipping threshold; {@code Double.POSITIVE_INFINITY} for none
     * @param seed            data order and dropout
     * @param shuffle         visit examples in a seeded random order per epoch (else in file order)
     * @param checkpointEvery steps between checkpoints (0: only at the end); ignored without a run directory
     * @param keepCheckpoints how many of the newest checkpoints to keep
     */
    public record Options(int epochs, int batchSize, Reduction reduction, double maxGradNorm, long seed, boolean shuffle,
                          int checkpointEvery, int keepCheckpoints) {
        public Options {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("epochs and batch size must be >= 1, got " + epochs + " and " + batchSize);
            }
            if (!(maxGradNorm > 0)) {
                throw new IllegalArgumentException("max gradient norm must be > 0 (infinity for no clipping), got " + maxGradNorm);
            }
            if (checkpointEvery < 0 || keepCheckpoints < 1) {
                throw new IllegalArgumentException("checkpointEvery must be >= 0 and keepCheckpoints >= 1");
            }
        }

        /** Mean reduction, clipping at 1.0, shuffled, a checkpoint every 50 steps, the newest 2 kept. */
        public static Options of(int epochs, int batchSize, long seed) {
            return new Options(epochs, batchSize, Reduction.MEAN, 1.0, seed, true, 50, 2);
        }

        public Options withCheckpointEvery(int every) {
            return new Options(epochs, batchSize, reduction, maxGradNorm, seed, shuffle, every, keepCheckpoints);
        }

        public Options withClipping(double norm) {
            return new Options(epochs, batchSize, reduction, norm, seed, shuffle, checkpointEvery, keepCheckpoints);
        }

        public Options withReduction(Reduction r) {
            return new Options(epochs, batchSize, r, maxGradNorm, seed, shuffle, checkpointEvery, keepCheckpoints);
        }
    }

    /** One finished optimizer step, for progress displays (steps are counted from 1). */
    public record Progress(long step, long totalSteps, int epoch, double loss, double lr, double gradNorm, long tokens,
                           double tokensPerSecond, double etaSeconds, double elapsedSeconds) {
    }

    /** Receives progress after each step. */
    @FunctionalInterface
    public interface Listener {
        void onStep(Progress p);

        /** A validation loss measured after {@code step} completed steps (see {@link #validateEvery}). */
        default void onValidation(long step, double loss) {
        }
    }

    /** A held-out loss of the model as it stands (no gradients, evaluation mode), e.g. {@link #meanLoss}. */
    @FunctionalInterface
    public interface Validation {
        double loss(TrainableModel model);
    }

    /** What a run did. {@code startStep} > 0 when it resumed. */
    public record Result(long startStep, long steps, double lastLoss, long tokens, double seconds, Path lastCheckpoint) {
    }

    private final TrainableModel model;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final Options options;
    private final ExecutionContext ctx;
    private long stopAfter = Long.MAX_VALUE;
    private int validateEvery;
    private Validation validation;

    public Trainer(TrainableModel model, Optimizer optimizer, LrSchedule schedule, Options options, ExecutionContext ctx) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.options = options;
        this.ctx = ctx;
    }

    /** Optimizer steps a run over {@code examples} sequences takes. */
    public static long totalSteps(int examples, Options o) {
        return (long) o.epochs() * stepsPerEpoch(examples, o);
    }

    private static long stepsPerEpoch(int examples, Options o) {
        return (examples + o.batchSize() - 1) / o.batchSize();
    }

    /** Stops after this many completed steps (checkpointing there): an interruption, for tests and time limits. */
    public Trainer stopAfter(long steps) {
        this.stopAfter = steps;
        return this;
    }

    /**
     * Measures {@code validation} every {@code every} steps and after the last one; the loss goes into that
     * step's {@code loss.jsonl} line as {@code val_loss} and to {@link Listener#onValidation}. A validation is
     * a function of the weights alone, so a resumed run logs the same values.
     */
    public Trainer validateEvery(int every, Validation validation) {
        if (every < 1) {
            throw new IllegalArgumentException("validation interval must be >= 1 step, got " + every);
        }
        this.validateEvery = every;
        this.validation = validation;
        return this;
    }

    /**
     * Trains on {@code data}. With {@code runDir} non-null, writes {@code loss.jsonl} and checkpoints there,
     * and with {@code resume} continues from the newest checkpoint.
     */
    public Result train(List<TokenizedExample> data, Path runDir, boolean resume, Listener listener) throws IOException {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("empty dataset: nothing to train on");
        }
        int capacity = 0;
        for (int i = 0; i < data.size(); i++) {
            if (data.get(i).scoredTokens() == 0) {
                throw new IllegalArgumentException("example " + i + " has no scored label (all -100): nothing to learn from it");
            }
            capacity = Math.max(capacity, data.get(i).ids().length);
        }
        long total = totalSteps(data.size(), options);
        Map<String, Object> meta = meta(data, total);
        long start = 0;
        Path lastCheckpoint = null;
        if (runDir != null && resume) {
            Optional<TrainerCheckpoint.Loaded> c = TrainerCheckpoint.latest(runDir);
            if (c.isPresent()) {
                checkCompatible(c.get(), meta);
                TrainerCheckpoint.restore(c.get(), model.params(), optimizer);
                start = c.get().step();
                lastCheckpoint = c.get().dir();
                truncateLog(runDir.resolve("loss.jsonl"), start);
            }
        }
        if (runDir != null && start == 0) {
            Files.createDirectories(runDir);
            Files.deleteIfExists(runDir.resolve("loss.jsonl"));
        }
        LlamaBackward backward = new LlamaBackward(new LlamaForward(model.model(), ctx), capacity, AttentionMemory.STORE);
        model.setTraining(true);
        long t0 = System.nanoTime();
        long tokens = 0;
        double loss = Double.NaN;
        long step = start;
        for (; step < total && step < stopAfter; step++) {
            int epoch = (int) (step / stepsPerEpoch(data.size(), options));
            int[] batch = batch(data.size(), step);
            Params.zeroGrads(model.params());
            long scored = 0;
            for (int i : batch) {
                scored += data.get(i).scoredTokens();
            }
            loss = 0;
            for (int k = 0; k < batch.length; k++) {
                TokenizedExample ex = data.get(batch[k]);
                double weight = switch (options.reduction()) {
                    case MEAN -> 1.0 / batch.length;
                    case SUM -> 1.0;
                    case TOKEN_MEAN -> (double) ex.scoredTokens() / scored;
                };
                model.beginMicroBatch(microBatchSeed(step, k));
                double l = backward.lossAndBackward(ex.ids(), ex.labels(), model.adapters(), model.gradients(), weight);
                if (!Double.isFinite(l)) {
                    throw diverged(runDir, step, meta, "loss is " + l + " on example " + batch[k], lastCheckpoint);
                }
                loss += weight * l;
                tokens += ex.ids().length;
            }
            double norm = Double.isInfinite(options.maxGradNorm()) ? Params.globalNorm(model.params())
                    : Params.clipGlobalNorm(model.params(), options.maxGradNorm());
            if (!Double.isFinite(norm)) {
                throw diverged(runDir, step, meta, "gradient norm is " + norm, lastCheckpoint);
            }
            double lr = schedule.lr(step);
            OptionalDouble momentum = schedule.momentum(step);
            optimizer.step(ctx, model.params(), lr, momentum);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long done = step + 1;
            Progress p = new Progress(done, total, epoch, loss, lr, norm, tokens, tokens / Math.max(elapsed, 1e-9),
                    elapsed / (done - start) * (total - done), elapsed);
            OptionalDouble validationLoss = OptionalDouble.empty();
            if (validation != null && (done % validateEvery == 0 || done == total)) {
                validationLoss = OptionalDouble.of(validation.loss(model));
                model.setTraining(true);
            }
            if (runDir != null) {
                log(runDir, p, validationLoss);
                boolean due = options.checkpointEvery() > 0 && done % options.checkpointEvery() == 0;
                if (due || done == total || done == stopAfter) {
                    lastCheckpoint = TrainerCheckpoint.save(runDir, done, model.params(), optimizer, meta, options.keepCheckpoints());
                }
            }
            listener.onStep(p);
            if (validationLoss.isPresent()) {
                listener.onValidation(done, validationLoss.getAsDouble());
            }
        }
        return new Result(start, step, loss, tokens, (System.nanoTime() - t0) / 1e9, lastCheckpoint);
    }

    /**
     * The mean over {@code data} of each sequence's mean token loss, without gradients and with dropout off
     * (a validation loss).
     */
    public static double meanLoss(TrainableModel model, List<TokenizedExample> data, ExecutionContext ctx) {
        model.setTraining(false);
        LlamaForward fwd = new LlamaForward(model.model(), ctx);
        double sum = 0;
        for (TokenizedExample ex : data) {
            int[] rows = CausalLmLoss.scoredRows(ex.labels());
            float[] logits = fwd.forward(ex.ids(), new org.pkt4j.llama.KvCache(model.model().config(), ex.ids().length),
                    model.adapters(), org.pkt4j.llama.ForwardTrace.NONE, null, rows);
            sum += CausalLmLoss.lossOnRows(logits, rows, ex.labels(), model.model().config().vocabSize(), null, 1);
        }
        model.setTraining(true);
        return sum / data.size();
    }

    /** The example indices of step {@code step}: its epoch's seeded permutation, sliced. */
    int[] batch(int n, long step) {
        long spe = stepsPerEpoch(n, options);
        int epoch = (int) (step / spe);
        int b = (int) (step % spe);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (options.shuffle()) {
            SplittableRandom rng = new SplittableRandom(options.seed() ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int from = b * options.batchSize(), to = Math.min(n, from + options.batchSize());
        int[] out = new int[to - from];
        System.arraycopy(order, from, out, 0, out.length);
        return out;
    }

    private long microBatchSeed(long step, int k) {
        return new SplittableRandom(options.seed() + 0x632BE59BD9B4E019L * (step * 65_537 + k + 1)).nextLong();
    }

    private Map<String, Object> meta(List<TokenizedExample> data, long total) {
        long h = 0xcbf29ce484222325L;
        for (TokenizedExample ex : data) {
            for (int v : ex.ids()) {
                h = (h ^ v) * 0x100000001b3L;
            }
            for (int v : ex.labels()) {
                h = (h ^ v) * 0x100000001b3L;
            }
            h = (h ^ 0xff) * 0x100000001b3L;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total_steps", total);
        m.put("examples", data.size());
        m.put("data_hash", Long.toHexString(h));
        m.put("seed", options.seed());
        m.put("epochs", options.epochs());
        m.put("batch_size", options.batchSize());
        m.put("reduction", options.reduction().name());
        m.put("max_grad_norm", Double.isInfinite(options.maxGradNorm()) ? "none" : options.maxGradNorm());
        m.put("shuffle", options.shuffle());
        m.put("trainable_parameters", Params.count(model.params()));
        m.put("rng", "derived from seed, step and micro-batch index (nothing else to save)");
        return m;
    }

    private static void checkCompatible(TrainerCheckpoint.Loaded c, Map<String, Object> meta) {
        JsonNode s = c.state();
        for (String key : List.of("seed", "epochs", "batch_size", "reduction", "max_grad_norm", "shuffle", "examples",
                "data_hash", "trainable_parameters", "total_steps")) {
            String now = String.valueOf(meta.get(key));
            String then = s.path(key).asText();
            if (!now.equals(then)) {
                throw new IllegalArgumentException("cannot resume from " + c.dir() + ": it was made with " + key + " = " + then
                        + ", this run has " + now);
            }
        }
    }

    private TrainingDivergedException diverged(Path runDir, long step, Map<String, Object> meta, String what, Path lastCheckpoint)
            throws IOException {
        // the failing step has not touched the parameters: they are the good state after `step` steps
        Path kept = lastCheckpoint;
        if (runDir != null) {
            kept = TrainerCheckpoint.save(runDir, step, model.params(), optimizer, meta, options.keepCheckpoints());
        }
        return new TrainingDivergedException(what + " at step " + (step + 1) + "; training stopped"
                + (kept != null ? ", last good checkpoint " + kept + " (after step " + step + ")" : " (no run directory, nothing saved)"));
    }

    private static void log(Path runDir, Progress p, OptionalDouble validationLoss) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", p.step());
        line.put("epoch", p.epoch());
        line.put("loss", p.loss());
        line.put("lr", p.lr());
        line.put("grad_norm", p.gradNorm());
        line.put("tokens", p.tokens());
        line.put("tokens_per_s", Math.round(p.tokensPerSecond() * 10) / 10.0);
        line.put("elapsed_s", Math.round(p.elapsedSeconds() * 1000) / 1000.0);
        validationLoss.ifPresent(v -> line.put("val_loss", v));
        Files.writeString(runDir.resolve("loss.jsonl"), Json.writeLine(line) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Keeps the log lines of steps up to {@code step} (a resumed run rewrites what came after). */
    private static void truncateLog(Path log, long step) throws IOException {
        if (!Files.isRegularFile(log)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (!line.isBlank() && Json.MAPPER.readTree(line).path("step").asLong() <= step) {
                kept.add(line);
            }
        }
        AtomicFiles.writeString(log, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }
}
