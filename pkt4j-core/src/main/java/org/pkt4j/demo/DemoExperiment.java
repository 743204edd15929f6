package org.pkt4j.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.eval.Benchmarks;
import org.pkt4j.eval.EvalExample;
import org.pkt4j.eval.EvalProgress;
import org.pkt4j.eval.EvalResult;
import org.pkt4j.eval.Evaluator;
import org.pkt4j.eval.Task;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.postalign.PostPkt;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.FineTuning;
import org.pkt4j.train.lora.LoraConfig;
import org.pkt4j.transfer.DirectInjection;
import org.pkt4j.transfer.DirectMap;
import org.pkt4j.transfer.LatenCheckpoint;
import org.pkt4j.transfer.LatenFuse;
import org.pkt4j.transfer.LatenOptions;
import org.pkt4j.transfer.LatenRun;
import org.pkt4j.transfer.LatenTrainer;
import org.pkt4j.transfer.LatenTraining;

/**
 * The paper's comparison (PKT-SPEC §6) on the bundled demo pair, end to end and in process: for each demo
 * task, the target as is, direct injection, LoRA fine-tuning on the extract+align examples (language-based
 * transfer), Post-Align PKT, LaTen (fused at the checkpoint that scores best on the align split — never the
 * test split) and the source, each evaluated on the held-out test split; plus LaTen's loss curve, the
 * alignment-step ablation (2/4/8/16 steps) and the transfer-rate sweep (0.1…1.0). Every intermediate model
 * and run is written under {@code out/runs/<task>/<method>/} so that it can be inspected afterwards.
 */
public final class DemoExperiment {

    /**
     * @param models  the demo directory: {@code source/}, {@code target/}, {@code data/<task>/<task>_<split>_split.jsonl}
     * @param out     the output directory (must not exist unless {@code force})
     * @param quick   fewer evaluation examples and one fine-tuning epoch (stated in the report)
     * @param seed    evaluation sampling, fuse example draw, fine-tuning order
     * @param version pkt4j's version, for the run manifests
     */
    public record Options(Path models, Path out, boolean quick, long seed, String version, boolean force) {
    }

    /** The sizes of a run: full or quick. */
    record Plan(int testLimit, int alignLimit, int sweepLimit, int loraEpochs, int postEpochs, List<Integer> steps, List<Double> rates) {
        static Plan of(boolean quick) {
            return quick
                    ? new Plan(60, 24, 40, 2, 1, List.of(2, 4, 8, 16), List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
                    : new Plan(200, 80, 200, 3, 3, List.of(2, 4, 8, 16), List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0));
        }
    }

    /** The methods' hyper-parameters (PKT-SPEC defaults unless said otherwise). */
    static final double RATE = 0.1;
    static final int LORA_RANK = 16;
    static final double LORA_LR = 1e-3;
    static final int LORA_BATCH = 8;
    static final int POST_BATCH = 64;
    static final double POST_LR = 3e-4;

    private static final List<Task> TASKS = List.of(Task.ARITHMETIC, Task.KNOWLEDGE);

    /**
     * Knowledge is scored in the cloze formulation: models of this size state the test facts when asked (fact recall
     * 99.5 % for the source) but cannot map them onto an option letter (both sit at chance with letters); the letter
     * score is reported beside it.
     */
    static final Evaluator.ChoiceScoring SCORING = Evaluator.ChoiceScoring.CLOZE;

    private final Options o;
    private final Plan plan;
    private final ExecutionContext ctx;
    private final Consumer<String> log;
    private final Path source;
    private final Path target;
    private final Tokenizer tok;
    private final long weightBytes;

    private DemoExperiment(Options o, ExecutionContext ctx, Consumer<String> log) throws IOException {
        this.o = o;
        this.plan = Plan.of(o.quick());
        this.ctx = ctx;
        this.log = log;
        this.source = o.models().resolve("source");
        this.target = o.models().resolve("target");
        for (Path p : List.of(source, target)) {
            if (!Files.isRegularFile(p.resolve("config.json"))) {
                throw new NoSuchFileException(p.toString(), null, "the demo model is missing (rebuild the pair with "
                        + "./pkt pretrain models/demo/<source|target>.pretrain.json --out models/demo/<source|target>)");
            }
        }
        this.tok = Tokenizers.load(target);
        this.weightBytes = ResourceMeter.weightBytes(source, target);
    }

    public static DemoResults run(Options o, ExecutionContext ctx, Consumer<String> log) throws IOException {
        AtomicFiles.checkWritable(o.out(), o.force(), "--force");
        if (o.force() && Files.exists(o.out())) {
            AtomicFiles.deleteRecursively(o.out());
        }
        Files.createDirectories(o.out());
        return new DemoExperiment(o, ctx, log).run();
    }

    private DemoResults run() throws IOException {
        long t0 = System.nanoTime();
        Map<Task, List<EvalExample>> test = new LinkedHashMap<>();
        Map<Task, List<EvalExample>> align = new LinkedHashMap<>();
        for (Task task : TASKS) {
            test.put(task, Benchmarks.sample(Benchmarks.load(task, split(task, "test"), 0).examples(), plan.testLimit(), o.seed()));
            align.put(task, Benchmarks.sample(Benchmarks.load(task, split(task, "align"), 0).examples(), plan.alignLimit(), o.seed()));
        }
        Llama sourceModel = Llama.open(source);
        Llama targetModel = Llama.open(target);

        List<DemoResults.Row> rows = new ArrayList<>();
        Map<String, List<Map<String, Object>>> latenLog = new LinkedHashMap<>();
        Map<String, List<DemoResults.Point>> choice = new LinkedHashMap<>();
        Map<String, Integer> best = new LinkedHashMap<>();
        Map<String, List<DemoResults.Point>> stepsAblation = new LinkedHashMap<>();
        Map<String, List<DemoResults.Point>> rateSweep = new LinkedHashMap<>();

        rows.add(plainRow("target", "Target (as is)", targetModel, test));
        rows.add(methodRow("direct", "Target + direct injection (truncate map)", test,
                "locate on one seeded train example, extract at rate " + RATE + ", map by truncation to d_t, add",
                (task, dir) -> new Transfer(directInjection(task, dir), 1)));
        rows.add(methodRow("lora", "Target + LoRA fine-tuning (language-based)", test,
                "LoRA r " + LORA_RANK + " on q,k,v,o,gate,up,down, lr " + LORA_LR + ", " + plan.loraEpochs()
                        + " epochs, batch " + LORA_BATCH + ", on the 20 extract + 80 align examples",
                (task, dir) -> new Transfer(loraFineTune(task, dir), 100)));
        rows.add(methodRow("postpkt", "Target + Post-Align PKT", test,
                "sensitivity on 32 train examples, windows + rank-" + LORA_RANK + " SVD LoRA, fine-tuned " + plan.postEpochs()
                        + " epochs (lr " + POST_LR + ", batch " + POST_BATCH + ") on the 1000 train examples",
                (task, dir) -> new Transfer(postPkt(task, dir), 32 + 1000)));
        rows.add(methodRow("laten", "Target + LaTen", test,
                "20 alignment steps (extract) x 16 micro-batches (align), lr 3e-4, rate " + RATE
                        + "; fused at the checkpoint best on the align split",
                (task, dir) -> laten(task, dir, align.get(task), test.get(task), latenLog, choice, best, stepsAblation, rateSweep)));
        rows.add(plainRow("source", "Source (upper reference)", sourceModel, test));

        Map<String, Object> settings = settings(test, align);
        return new DemoResults(settings, TASKS.stream().map(Task::cliName).toList(), rows, latenLog, choice, best, stepsAblation,
                rateSweep, (System.nanoTime() - t0) / 1e9, ResourceMeter.processPeakRss());
    }

    /**
     * A transfer's product: the fused/merged model directory, the training examples it read, and its wall time
     * (null: the whole call; LaTen excludes its ablations, which are not part of the method's cost).
     */
    private record Transfer(Path model, int examples, Double seconds) {
        Transfer(Path model, int examples) {
            this(model, examples, null);
        }
    }

    @FunctionalInterface
    private interface Method {
        Transfer apply(Task task, Path workDir) throws IOException;
    }

    private DemoResults.Row plainRow(String method, String label, Llama model, Map<Task, List<EvalExample>> test) throws IOException {
        log.accept("== " + label);
        try (ResourceMeter meter = ResourceMeter.start(weightBytes)) {
            Map<String, Double> acc = new LinkedHashMap<>(), evalSec = new LinkedHashMap<>(), transfer = new LinkedHashMap<>();
            Map<String, Integer> n = new LinkedHashMap<>(), used = new LinkedHashMap<>();
            Map<String, Double> letter = new LinkedHashMap<>();
            for (Task task : TASKS) {
                EvalResult r = evaluate(model, task, test.get(task));
                put(task, r, acc, n, evalSec);
                letters(model, task, test.get(task), letter);
                transfer.put(task.cliName(), 0.0);
                used.put(task.cliName(), 0);
            }
            return new DemoResults.Row(method, label, acc, n, mean(acc), letter, transfer, evalSec, meter.peakBytes(), used,
                    "the pretrained model, unchanged");
        }
    }

    private DemoResults.Row methodRow(String method, String label, Map<Task, List<EvalExample>> test, String note, Method m)
            throws IOException {
        log.accept("== " + label);
        try (ResourceMeter meter = ResourceMeter.start(weightBytes)) {
            Map<String, Double> acc = new LinkedHashMap<>(), evalSec = new LinkedHashMap<>(), transfer = new LinkedHashMap<>();
            Map<String, Integer> n = new LinkedHashMap<>(), used = new LinkedHashMap<>();
            Map<String, Double> letter = new LinkedHashMap<>();
            for (Task task : TASKS) {
                Path dir = o.out().resolve("runs").resolve(task.cliName()).resolve(method);
                Files.createDirectories(dir);
                long t = System.nanoTime();
                Transfer tr = m.apply(task, dir);
                transfer.put(task.cliName(), tr.seconds() != null ? tr.seconds() : (System.nanoTime() - t) / 1e9);
                used.put(task.cliName(), tr.examples());
                Llama transferred = Llama.open(tr.model());
                EvalResult r = evaluate(transferred, task, test.get(task));
                put(task, r, acc, n, evalSec);
                letters(transferred, task, test.get(task), letter);
            }
            return new DemoResults.Row(method, label, acc, n, mean(acc), letter, transfer, evalSec, meter.peakBytes(), used, note);
        }
    }

    private Path directInjection(Task task, Path dir) throws IOException {
        Path out = dir.resolve("model");
        DirectInjection.run(new DirectInjection.Request(source, target, split(task, "train"), List.of(RATE), DirectMap.Kind.TRUNCATE,
                o.seed(), ReadoutCompat.REFERENCE, AttributionMode.EXACT, out, false), ctx, new LatenFuse.Listener() {
                });
        return out;
    }

    private Path loraFineTune(Task task, Path dir) throws IOException {
        Path data = dir.resolve("extract_align.jsonl");
        String both = Files.readString(split(task, "extract"), StandardCharsets.UTF_8) + Files.readString(split(task, "align"), StandardCharsets.UTF_8);
        Files.writeString(data, both, StandardCharsets.UTF_8);
        LoraConfig lora = LoraConfig.of(LORA_RANK, LORA_RANK, 0.05,
                List.of(Module.Q, Module.K, Module.V, Module.O, Module.GATE, Module.UP, Module.DOWN));
        FineTuning.Options fo = new FineTuning.Options(target, data, dir.resolve("run"), lora, plan.loraEpochs(), LORA_LR, LORA_BATCH, 768,
                false, o.seed(), FineTuning.Schedule.COSINE, 0.1, 0.0, 1.0, TokenizedExample.Compat.REFERENCE, 1_000_000, true, false, false);
        FineTuning.Result r = FineTuning.run(fo, ctx, note -> { }, p -> { });
        return r.merged();
    }

    private Path postPkt(Task task, Path dir) throws IOException {
        PostPkt.Options po = PostPkt.Options.defaults(source, target, split(task, "train"), dir.resolve("run"))
                .withRank(LORA_RANK).withTraining(plan.postEpochs(), POST_LR, POST_BATCH);
        PostPkt.Result r = PostPkt.run(po, ctx, Map.of("pkt4j_version", o.version()), note -> { }, p -> { });
        return r.merged();
    }

    /** The main LaTen run, the checkpoint choice on the align split, the rate sweep and the step ablation. */
    private Transfer laten(Task task, Path dir, List<EvalExample> alignEx, List<EvalExample> testEx,
                       Map<String, List<Map<String, Object>>> latenLog, Map<String, List<DemoResults.Point>> choice,
                       Map<String, Integer> best, Map<String, List<DemoResults.Point>> stepsAblation,
                       Map<String, List<DemoResults.Point>> rateSweep) throws IOException {
        String name = task.cliName();
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        latenTrain(task, run, null);
        List<Map<String, Object>> lines = new ArrayList<>();
        for (var node : LatenRun.readLog(run)) {
            Map<String, Object> line = new LinkedHashMap<>();
            // the run's log counts steps from 0; the report counts alignment steps taken (1-based)
            line.put("step", node.get("step").asInt() + 1);
            for (String k : List.of("lm_loss", "mse", "unedited_loss", "lr")) {
                if (node.has(k)) {
                    line.put(k, node.get(k).numberValue());
                }
            }
            lines.add(line);
        }
        latenLog.put(name, lines);

        // choose the checkpoint on the align split (the test split is never looked at here)
        List<DemoResults.Point> points = new ArrayList<>();
        int bestStep = -1;
        double bestAcc = -1;
        for (int k : LatenCheckpoint.steps(run)) {
            Path fused = fuse(task, run, k, List.of(RATE), dir.resolve("checkpoints").resolve("after_step_" + (k + 1)));
            EvalResult r = evaluate(Llama.open(fused), task, alignEx);
            // checkpoint_k holds H after step k (0-based): k + 1 alignment steps taken
            points.add(new DemoResults.Point(k + 1, r.accuracy(), r.n()));
            if (r.accuracy() > bestAcc) {
                bestAcc = r.accuracy();
                bestStep = k;
            }
            log.accept(String.format("   checkpoint after step %d: align accuracy %.3f", k + 1, r.accuracy()));
        }
        choice.put(name, points);
        best.put(name, bestStep + 1);
        log.accept(String.format("   chose the checkpoint after step %d (align accuracy %.3f)", bestStep + 1, bestAcc));
        double methodSeconds = (System.nanoTime() - t0) / 1e9;

        // the transfer-rate sweep at the chosen checkpoint
        Path sweepDir = dir.resolve("rates");
        fuse(task, run, bestStep, plan.rates(), sweepDir);
        List<EvalExample> sweepEx = testEx.subList(0, Math.min(plan.sweepLimit(), testEx.size()));
        List<DemoResults.Point> rates = new ArrayList<>();
        for (double rate : plan.rates()) {
            EvalResult r = evaluate(Llama.open(sweepDir.resolve(LatenFuse.rateDir(rate))), task, sweepEx);
            rates.add(new DemoResults.Point(rate, r.accuracy(), r.n()));
        }
        rateSweep.put(name, rates);

        // the alignment-step ablation: separate runs with 2/4/8/16 steps, fused at their last step
        List<DemoResults.Point> steps = new ArrayList<>();
        for (int s : plan.steps()) {
            Path r = dir.resolve("steps_" + s);
            latenTrain(task, r.resolve("run"), s);
            Path fused = fuse(task, r.resolve("run"), null, List.of(RATE), r.resolve("model"));
            EvalResult e = evaluate(Llama.open(fused), task, sweepEx);
            steps.add(new DemoResults.Point(s, e.accuracy(), e.n()));
        }
        stepsAblation.put(name, steps);
        return new Transfer(dir.resolve("checkpoints").resolve("after_step_" + (bestStep + 1)), 20 + 80, methodSeconds);
    }

    private LatenTrainer.Result latenTrain(Task task, Path run, Integer steps) throws IOException {
        LatenOptions lo = LatenOptions.defaults().withRate(RATE).withSeed(42).withSteps(steps);
        return LatenTraining.run(new LatenTraining.Request(source, target, split(task, "extract"), split(task, "align"), run, lo,
                LatenRun.Mode.FRESH, o.version()), ctx, new LatenTrainer.Listener() {
                    @Override
                    public void step(LatenTrainer.Step s) {
                        log.accept(String.format("   %s step %d/%d: lm loss %.4f, unedited %.4f", task.cliName(), s.step(), s.steps(),
                                s.lmLoss(), s.uneditedLoss()));
                    }
                });
    }

    private Path fuse(Task task, Path run, Integer step, List<Double> rates, Path out) throws IOException {
        LatenFuse.fromRun(new LatenFuse.Request(source, target, run, step, split(task, "train"), rates, o.seed(), out, false), ctx,
                new LatenFuse.Listener() {
                });
        return out;
    }

    /** Arithmetic by greedy generation; knowledge in the cloze formulation (see {@link #SCORING}). */
    private EvalResult evaluate(Llama model, Task task, List<EvalExample> examples) throws IOException {
        return evaluate(model, task, examples, SCORING);
    }

    private EvalResult evaluate(Llama model, Task task, List<EvalExample> examples, Evaluator.ChoiceScoring scoring) throws IOException {
        EvalResult r = new Evaluator(model, Adapters.NONE, tok, ctx).evaluate(task, examples, new Evaluator.Options(0, null, scoring),
                EvalProgress.NONE);
        log.accept(String.format("   %s%s: accuracy %.3f on %d examples (%.1f s)", task.cliName(),
                task.kind() == Task.Kind.CHOICE ? " (" + scoring.name().toLowerCase(java.util.Locale.ROOT) + ")" : "",
                r.accuracy(), r.n(), r.wallSeconds()));
        return r;
    }

    /** The knowledge test scored the standard way too (letters after the option list), reported beside the cloze score. */
    private void letters(Llama model, Task task, List<EvalExample> examples, Map<String, Double> letter) throws IOException {
        if (task.kind() == Task.Kind.CHOICE) {
            letter.put(task.cliName(), evaluate(model, task, examples, Evaluator.ChoiceScoring.LETTER).accuracy());
        }
    }

    private Path split(Task task, String split) throws IOException {
        Path p = o.models().resolve("data").resolve(task.cliName()).resolve(task.cliName() + "_" + split + "_split.jsonl");
        if (!Files.isRegularFile(p)) {
            throw new FormatException(p, "demo split missing (regenerate with ./pkt demo-data splits --out models/demo/data --force)");
        }
        return p;
    }

    private static void put(Task task, EvalResult r, Map<String, Double> acc, Map<String, Integer> n, Map<String, Double> evalSec) {
        acc.put(task.cliName(), r.accuracy());
        n.put(task.cliName(), r.n());
        evalSec.put(task.cliName(), r.wallSeconds());
    }

    private static double mean(Map<String, Double> acc) {
        return acc.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private Map<String, Object> settings(Map<Task, List<EvalExample>> test, Map<Task, List<EvalExample>> align) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("pkt4j_version", o.version());
        s.put("quick", o.quick());
        s.put("seed", o.seed());
        s.put("threads", ctx.threads());
        s.put("source", source.toString());
        s.put("target", target.toString());
        s.put("source_parameters", Llama.open(source).config().parameterCount());
        s.put("target_parameters", Llama.open(target).config().parameterCount());
        Map<String, Integer> testN = new LinkedHashMap<>(), alignN = new LinkedHashMap<>();
        test.forEach((t, ex) -> testN.put(t.cliName(), ex.size()));
        align.forEach((t, ex) -> alignN.put(t.cliName(), ex.size()));
        s.put("test_examples", testN);
        s.put("align_examples_for_checkpoint_choice", alignN);
        s.put("sweep_examples", Math.min(plan.sweepLimit(), plan.testLimit()));
        s.put("rate", RATE);
        s.put("knowledge_scoring", "cloze (each option's text after the question without its option list, log-likelihood per byte); "
                + "letter scoring reported beside it");
        s.put("steps_ablation", plan.steps());
        s.put("rate_sweep", plan.rates());
        return s;
    }
}
