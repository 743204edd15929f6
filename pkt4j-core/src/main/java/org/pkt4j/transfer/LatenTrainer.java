package org.pkt4j.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ExampleScores;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.LocateProgress;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.NeuronAttribution;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.AdamW;
import org.pkt4j.train.OneCycle;
import org.pkt4j.train.Param;
import org.pkt4j.train.Params;
import org.pkt4j.train.TrainingDivergedException;

/**
 * LaTen's alignment training (PKT-SPEC §4), one step per extract example k:
 * <ol>
 *   <li>locate S and T on example k and extract S's knowledge ({@link StepLocator}: every extract example is
 *       scored once per model up front, and cached in the run directory);</li>
 *   <li>batch = {@code alignPerStep} (15) align examples drawn with CPython's {@code random.seed(k);
 *       random.sample(range(len(align)), 15)} ({@link PythonRandom}), then example k itself; each one
 *       micro-batch at its own length ({@link LatenStep}): translate, inject, CE + 1000·MSE, gradients summed
 *       into H;</li>
 *   <li>AdamW, with lr and beta1 from the one-cycle schedule ({@link LatenOptimization});</li>
 *   <li>log the step and write {@code checkpoint_k}.</li>
 * </ol>
 * A run stopped at any point resumes from its newest checkpoint and ends with the same weights as an
 * uninterrupted run: every input of step k (scores, selection, draw, H and the optimizer state) is either
 * recomputed from the seed and k or read back bit for bit.
 */
public final class LatenTrainer {
    private LatenTrainer() {
    }

    /**
     * Seconds spent per phase of a step.
     *
     * @param locate     the selections and the extraction (the scores are computed once, before step 0)
     * @param forward    translation and the 16 edited forward passes with their losses
     * @param backward   the target's backward passes into the deltas and H's backward
     * @param optimizer  AdamW
     * @param unedited   the target's own loss on the batch (each sequence computed once per run)
     * @param checkpoint writing the checkpoint
     */
    public record Phases(double locate, double forward, double backward, double optimizer, double unedited, double checkpoint) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("locate", round(locate));
            m.put("forward", round(forward));
            m.put("backward", round(backward));
            m.put("optimizer", round(optimizer));
            m.put("unedited", round(unedited));
            m.put("checkpoint", round(checkpoint));
            return m;
        }
    }

    /**
     * One finished step, as logged.
     *
     * @param step         k, 0-based (its checkpoint is checkpoint_k)
     * @param steps        the run's total
     * @param example      extract example k's id
     * @param align        the align indices drawn
     * @param lmLoss       mean CE of the edited target over the scored micro-batches
     * @param mse          Σ_m mean(H_m(knowledge)²)
     * @param uneditedLoss mean CE of the target without deltas over the same micro-batches
     * @param lr           the step's learning rate
     * @param beta1        the step's beta1 (the schedule's momentum)
     * @param scored       micro-batches with a scored label
     */
    public record Step(int step, int steps, String example, int[] align, double lmLoss, double mse, double uneditedLoss, double lr,
                       double beta1, int scored, Phases phases, double seconds) {

        /** lm_loss + 1000·mse: the mean per-micro-batch objective. */
        public double total() {
            return lmLoss + LatenStep.MSE_WEIGHT * mse;
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", step);
            m.put("example", example);
            m.put("align", align);
            m.put("lm_loss", lmLoss);
            m.put("mse", mse);
            m.put("total", total());
            m.put("unedited_loss", uneditedLoss);
            m.put("lr", lr);
            m.put("betas", List.of(beta1, LatenOptimization.BETA2));
            m.put("scored_micro_batches", scored);
            m.put("step_seconds", round(seconds));
            m.put("phases", phases.toJson());
            return m;
        }
    }

    /** Progress of a run. */
    public interface Listener {
        /** A free-form note (resuming, cached scores, a larger target, ...). */
        default void note(String message) {
        }

        /** Scoring progress of {@code model} ("source" or "target"). */
        default void scoring(String model, int done, int total) {
        }

        /** Step {@code s} is logged and checkpointed. */
        default void step(Step s) {
        }
    }

    /**
     * Everything a run reads.
     *
     * @param inputs  what the manifest records as the inputs (paths and checksums; compared on resume)
     * @param version the pkt4j version, for the manifest
     */
    public record Job(Llama source, Llama target, LatenData data, LatenOptions options, Map<String, Object> inputs, String version) {
    }

    /**
     * What a run did.
     *
     * @param startStep    the first step this call ran (> 0 when it resumed)
     * @param steps        the run's total steps
     * @param scoreSeconds the up-front scoring of both models (0 when read from the run's cache)
     */
    public record Result(Path run, int startStep, int steps, Hypernetwork hypernetwork, double scoreSeconds, double seconds,
                         List<Step> log) {
    }

    /** Trains, writing into {@code run} ({@code mode} says what to do with an existing one). */
    public static Result train(Job job, Path run, LatenRun.Mode mode, ExecutionContext ctx, Listener listener) throws IOException {
        long t0 = System.nanoTime();
        LatenOptions o = job.options();
        LatenData data = o.steps() == null ? job.data() : job.data().firstSteps(o.steps());
        int total = data.extract().size();
        LocateOptions locate = locateOptions(job.source().config(), job.target().config(), o);
        if (data.align().size() < o.alignPerStep()) {
            throw new IllegalArgumentException("--align-data has " + data.align().size() + " examples; each step draws "
                    + o.alignPerStep() + " of them (random.sample without replacement)");
        }
        larger(job.source().config(), job.target().config()).ifPresent(listener::note);
        Map<String, Object> manifest = manifest(job, o, locate, total);
        JsonNode resumed = LatenRun.prepare(run, mode, manifest);
        if (resumed == null) {
            if (mode == LatenRun.Mode.RESUME) {
                listener.note("nothing to resume in " + run + ": starting from step 0");
            }
            LatenRun.writeManifest(run, manifest);
        }

        long s0 = System.nanoTime();
        StepLocator locator = scores(job, data, locate, run, ctx, listener);
        double scoreSeconds = (System.nanoTime() - s0) / 1e9;

        Hypernetwork h = Hypernetwork.initialise(new LinkedHashSet<>(locate.modules()), job.source().config().hiddenSize(),
                job.target().config().hiddenSize(), o.seed(), LatenOptions.INIT_STD);
        AdamW optimizer = LatenOptimization.optimizer();
        OneCycle schedule = LatenOptimization.schedule(o.lr(), total);
        List<Param> params = LatenOptimization.params(h);
        int start = 0;
        List<Integer> saved = LatenCheckpoint.steps(run);
        if (resumed != null && !saved.isEmpty()) {
            int k = saved.getLast();
            if (k >= total) {
                throw new IllegalStateException(LatenCheckpoint.dir(run, k) + " is past this run's " + total + " steps");
            }
            JsonNode state = LatenCheckpoint.restore(run, k, h, optimizer);
            start = k + 1;
            LatenRun.truncateLog(run, k);
            if (LatenRun.readLog(run).stream().noneMatch(l -> l.path("step").asInt() == k)) {
                LatenRun.log(run, Json.MAPPER.convertValue(state.path("log"), Map.class));
            }
            listener.note("resuming after checkpoint_" + k + " (" + start + " of " + total + " steps done)");
        } else {
            LatenRun.truncateLog(run, -1);
        }

        LatenStep engine = new LatenStep(job.target(), ctx, data.maxLength());
        Map<String, Double> unedited = new HashMap<>();
        List<Step> log = new ArrayList<>();
        for (int k = start; k < total; k++) {
            // 1. locate S and T on example k, extract S's knowledge
            long a = System.nanoTime();
            TransferPlan plan = locator.plan(k);
            long b = System.nanoTime();
            // 2. the batch: 15 align examples drawn as random.seed(k); random.sample(...), then example k; H's summed gradient
            int[] drawn = new PythonRandom(k).sample(data.align().size(), o.alignPerStep());
            List<TokenizedExample> batch = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (int i : drawn) {
                batch.add(data.align().get(i));
                keys.add("align " + i);
            }
            batch.add(data.extract().get(k));
            keys.add("extract " + k);
            LatenStep.Result r = engine.run(h, plan, batch);

            // the unedited loss does not depend on H: each sequence's is computed once per call
            long u0 = System.nanoTime();
            double uneditedSum = 0;
            for (int i = 0; i < batch.size(); i++) {
                if (!Double.isNaN(r.lmLoss()[i])) {
                    TokenizedExample ex = batch.get(i);
                    uneditedSum += unedited.computeIfAbsent(keys.get(i), key -> engine.uneditedLoss(ex));
                }
            }
            // 3. AdamW with the one-cycle lr and beta1 of step k
            long o0 = System.nanoTime();
            double norm = Params.globalNorm(params);
            if (!Double.isFinite(norm)) {
                throw new TrainingDivergedException("the hypernetwork's gradient norm is " + norm + " at step " + k + "; training stopped"
                        + (k > 0 ? ", last good checkpoint " + LatenCheckpoint.dir(run, k - 1) : ""));
            }
            double lr = schedule.lr(k);
            OptionalDouble beta1 = schedule.momentum(k);
            optimizer.step(ctx, params, lr, beta1);
            long o1 = System.nanoTime();

            // 4. checkpoint_k, then the log line
            String id = data.locate().get(k).id();
            Phases phases = new Phases((b - a) / 1e9, r.forwardSeconds(), r.backwardSeconds(), (o1 - o0) / 1e9, (o0 - u0) / 1e9, 0);
            Step step = new Step(k, total, id, drawn, r.meanLmLoss(), r.mse(), r.scored() == 0 ? Double.NaN : uneditedSum / r.scored(),
                    lr, beta1.orElse(LatenOptimization.BETA1), r.scored(), phases, (o1 - a) / 1e9);
            // the checkpoint carries the step's log line, so a crash between the two cannot lose it (see resume)
            Map<String, Object> state = checkpointState(k, total, schedule, id, drawn, o.seed());
            state.put("log", step.toJson());
            long c0 = System.nanoTime();
            LatenCheckpoint.save(run, k, h, optimizer, state);
            long c1 = System.nanoTime();
            Step done = withTimes(step, new Phases(phases.locate, phases.forward, phases.backward, phases.optimizer, phases.unedited,
                    (c1 - c0) / 1e9), (c1 - a) / 1e9);
            LatenRun.log(run, done.toJson());
            log.add(done);
            listener.step(done);
        }
        return new Result(run, start, total, h, scoreSeconds, (System.nanoTime() - t0) / 1e9, log);
    }

    /** Locate options sized for the target (n = L_t, counts from f_t and d_t), checked against both models. */
    public static LocateOptions locateOptions(LlamaConfig source, LlamaConfig target, LatenOptions o) {
        return locateOptions(source, target, o.rate(), o.compat(), o.attribution(), o.modules(), o.seed());
    }

    /** Locate options for one rate (modules null: the pair's default), checked against both models. */
    public static LocateOptions locateOptions(LlamaConfig source, LlamaConfig target, double rate, ReadoutCompat compat,
                                              AttributionMode mode, List<Module> modules, long seed) {
        if (source.vocabSize() != target.vocabSize()) {
            throw new IllegalArgumentException("the source's vocabulary has " + source.vocabSize() + " tokens, the target's "
                    + target.vocabSize() + ": parametric knowledge transfer needs models that share one tokenizer");
        }
        LocateOptions l = LocateOptions.forTarget(target, rate, compat, mode, modules, seed, source);
        l.checkModel(source, "source");
        return l;
    }

    /** A note when the target is larger than the source in any dimension (allowed: H maps any d_s to any d_t). */
    public static java.util.Optional<String> larger(LlamaConfig s, LlamaConfig t) {
        if (t.hiddenSize() > s.hiddenSize() || t.intermediateSize() > s.intermediateSize() || t.numLayers() > s.numLayers()) {
            return java.util.Optional.of(String.format("note: the target (d %d, ffn %d, %d layers) is larger than the source "
                    + "(d %d, ffn %d, %d layers) in some dimension; allowed, though PKT is meant to move knowledge from a larger "
                    + "model into a smaller one", t.hiddenSize(), t.intermediateSize(), t.numLayers(), s.hiddenSize(),
                    s.intermediateSize(), s.numLayers()));
        }
        return java.util.Optional.empty();
    }

    /** Scores every extract example on both models, or reads the scores a previous call of this run cached. */
    private static StepLocator scores(Job job, LatenData data, LocateOptions locate, Path run, ExecutionContext ctx,
                                      Listener listener) throws IOException {
        Path dir = run.resolve(LatenRun.ATTRIBUTION);
        Path sJson = dir.resolve("source.json"), tJson = dir.resolve("target.json");
        if (Files.isRegularFile(sJson) && Files.isRegularFile(tJson)) {
            try {
                List<ExampleScores> s = Located.read(sJson).scores().examples(), t = Located.read(tJson).scores().examples();
                if (s.size() >= data.extract().size() && t.size() >= data.extract().size()) {
                    listener.note("reusing the attribution scores in " + dir);
                    return new StepLocator(job.source(), job.target(), locate, s.subList(0, data.extract().size()),
                            t.subList(0, data.extract().size()));
                }
            } catch (IOException e) {
                // a cache is only a shortcut: recompute what cannot be read
                listener.note("cannot reuse the attribution scores (" + e.getMessage() + "): scoring again");
            }
        }
        List<ExampleScores> s = score(job.source(), "source", data, locate, ctx, listener);
        List<ExampleScores> t = score(job.target(), "target", data, locate, ctx, listener);
        Files.createDirectories(dir);
        Map<String, Object> provenance = Map.of("use", "per-example scores of every extract example; step k selects from example k's alone");
        Located.of(job.source().config(), s, locate).write(sJson, true, provenance);
        Located.of(job.target().config(), t, locate).write(tJson, true, provenance);
        return new StepLocator(job.source(), job.target(), locate, s, t);
    }

    private static List<ExampleScores> score(Llama model, String which, LatenData data, LocateOptions locate, ExecutionContext ctx,
                                             Listener listener) {
        return new NeuronAttribution(model, ctx, locate.compat(), locate.mode()).score(data.locate(), new LocateProgress() {
            @Override
            public void scored(int layer, int layers, int from, int to, int total) {
                if (layer == layers) {
                    listener.scoring(which, to, total);
                }
            }
        });
    }

    private static Map<String, Object> manifest(Job job, LatenOptions o, LocateOptions locate, int total) {
        LlamaConfig s = job.source().config(), t = job.target().config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", LatenRun.FORMAT);
        m.put("pkt4j_version", job.version());
        m.put("options", o.toJson(locate.modules(), total));
        m.put("inputs", job.inputs());
        m.put("steps", total);
        m.put("modules", locate.moduleNames());
        m.put("neurons_per_layer", Map.of("ffn", locate.ffnCount(), "attn", locate.attnCount(), "layers", locate.layers()));
        m.put("models", Map.of("source", shape(s), "target", shape(t)));
        Map<String, Object> seeds = new LinkedHashMap<>();
        seeds.put("hypernetwork_init", o.seed());
        seeds.put("align_draw", "step k draws with CPython's random.seed(k); random.sample(range(len(align)), " + o.alignPerStep() + ")");
        m.put("seeds", seeds);
        m.put("optimizer", Map.of("name", "adamw", "beta2", LatenOptimization.BETA2, "eps", LatenOptimization.EPS,
                "weight_decay", LatenOptimization.WEIGHT_DECAY, "beta1", "the one-cycle momentum (0.95 -> 0.85 -> 0.95)"));
        m.put("schedule", Map.of("name", "one-cycle", "max_lr", o.lr(), "total_steps", total, "pct_start", 0.1, "anneal", "cos",
                "div_factor", 25, "final_div_factor", 1));
        m.put("notes", List.of(
                "translation is fp32: the reference casts H's output to fp16, where the initial ~1e-8 translations underflow to "
                        + "zero, so its first steps inject nothing and train only through the cast's straight-through gradient; "
                        + "here they are injected as computed",
                "the align draw reproduces CPython's random stream, but the reference first shuffles both data files with "
                        + "datasets' shuffle() (seeded from NumPy's global state), which is not reproduced: files are used in order",
                "sequences run at their own length (the reference left-pads to cutoff_len; exact with RoPE up to rounding)",
                "micro-batches with no scored label are skipped (the reference skips their NaN loss), MSE term included",
                "checkpoint_k holds H after step k (k + 1 updates); only the two newest checkpoints keep the optimizer state"));
        return m;
    }

    private static Map<String, Object> shape(LlamaConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("layers", c.numLayers());
        m.put("heads", c.numHeads());
        m.put("kv_heads", c.numKvHeads());
        m.put("vocab_size", c.vocabSize());
        return m;
    }

    private static Map<String, Object> checkpointState(int k, int total, OneCycle schedule, String example, int[] drawn, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("example", example);
        m.put("align", drawn);
        Map<String, Object> sched = new LinkedHashMap<>();
        sched.put("next_step", k + 1);
        sched.put("total_steps", total);
        if (k + 1 < total) {
            sched.put("next_lr", schedule.lr(k + 1));
            sched.put("next_beta1", schedule.momentum(k + 1).orElse(LatenOptimization.BETA1));
        }
        m.put("scheduler", sched);
        m.put("rng", Map.of("align_draw", "random.seed(" + (k + 1) + ") for the next step", "hypernetwork_init_seed", seed));
        return m;
    }

    private static Step withTimes(Step s, Phases p, double seconds) {
        return new Step(s.step, s.steps, s.example, s.align, s.lmLoss, s.mse, s.uneditedLoss, s.lr, s.beta1, s.scored, p, seconds);
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1e6) / 1e6;
    }
}
