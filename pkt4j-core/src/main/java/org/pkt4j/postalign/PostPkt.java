package org.pkt4j.postalign;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.pkt4j.attribution.GradientSensitivity;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.io.peft.PeftAdapter;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.AdamW;
import org.pkt4j.train.FineTuning;
import org.pkt4j.train.LrSchedule;
import org.pkt4j.train.Param;
import org.pkt4j.train.Params;
import org.pkt4j.train.Trainer;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * The whole Post-Align PKT run (PKT-SPEC §5): gradient sensitivity of the source on seed examples → layer ranking
 * and max-sensitivity windows → rank-r SVD → LoRA on the target initialised with (B₀, A₀) beside a frozen −B₀A₀ →
 * LoRA fine-tuning on the task data → merge. A run directory receives:
 * <ul>
 *   <li>{@code extracted/} — the extracted LoRA (B₀, A₀) as a PEFT adapter (the reference's {@code extracted_lora});</li>
 *   <li>{@code adapter/} — the fine-tuned LoRA (B, A) as a PEFT adapter. Like the reference's trained LoRA it applies
 *       to the target MINUS the extracted product: {@code W_t − B₀A₀ + B·A}; loaded on the plain target it is wrong;</li>
 *   <li>{@code merged/} — the final model {@code W_t − B₀A₀ + B·A} as a Hugging Face directory in the target's names,
 *       dtype and sharding (a tied target whose LM head was adapted is written untied);</li>
 *   <li>{@code manifest.json} ({@value #FORMAT}: resolved options, seeds, checksums, layer ranking, windows with
 *       their sums and singular values, training summary, phase timings) and {@code log.jsonl} (one line per seed
 *       example, per window and per training step).</li>
 * </ul>
 * Seed examples: the first {@code seedExamples} records of {@code seedData}, or, without seed data, of the task data
 * (the first 32 by default: the paper uses a small separate seed file; taking the head of the task data keeps the
 * choice deterministic and visible in the manifest).
 *
 * <p>Fine-tuning follows the reference's {@code finetune.py} + {@code train.sh} where pkt4j has the equivalent:
 * AdamW (0.9, 0.999, eps 1e-8, no weight decay), linear decay with 3% warm-up, gradient clipping at 1.0, the mean of
 * per-sequence losses over a batch. Task records are rendered as PKT-SPEC §1 (the rendering {@code pkt finetune} and
 * {@code pkt eval} use), with the user prompt masked exactly by default — the reference's finetune.py tokenizes the
 * prompt without an appended EOS, unlike LaTen ({@code Compat.REFERENCE} is available); unlike finetune.py no BOS is
 * prepended (§1). Fine-tuning keeps no mid-run checkpoints: a run that fails there is restarted from its extraction
 * with {@code fromExtracted = RUN/extracted}.
 */
public final class PostPkt {
    private PostPkt() {
    }

    public static final String FORMAT = "pkt4j.postpkt/1";

    /** Seed examples taken from the task data when no seed file is given. */
    public static final int DEFAULT_SEED_EXAMPLES = 32;

    /** Outputs of a run directory (removed first with {@code force}). */
    static final List<String> OUTPUTS = List.of("extracted", "adapter", "merged", "manifest.json", "log.jsonl");

    /**
     * @param source        the larger model S (Hugging Face directory)
     * @param target        the smaller model T, sharing S's vocabulary
     * @param data          task data for fine-tuning (chat or pre-tokenized JSONL); also the seed source without seedData
     * @param seedData      seed examples for the sensitivity, or null
     * @param seedExamples  how many seed records to use, or null: all of seedData, or the first 32 of data
     * @param rank          r (16 in the paper)
     * @param embeddings    also transfer embed_tokens and lm_head (the paper's default)
     * @param epochs        fine-tuning passes (3)
     * @param lr            peak learning rate (3e-4)
     * @param batch         sequences per optimizer step (64)
     * @param cutoff        maximum sequence length, for seeds and task data (2048)
     * @param dropout       LoRA dropout (0.05)
     * @param seed          data order, dropout and the randomized SVD
     * @param compat        label masking of chat task records (EXACT by default, see the class comment)
     * @param fromExtracted reuse an extracted PEFT adapter instead of running the extraction, or null
     * @param extractOnly   stop after writing {@code extracted/}
     * @param out           the run directory
     * @param force         replace an existing run's outputs
     */
    public record Options(Path source, Path target, Path data, Path seedData, Integer seedExamples, int rank, boolean embeddings,
                          int epochs, double lr, int batch, int cutoff, double dropout, long seed, TokenizedExample.Compat compat,
                          Path fromExtracted, boolean extractOnly, Path out, boolean force) {
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("--rank: expected at least 1, got " + rank);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs: expected at least 1, got " + epochs);
            }
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("--lr: expected a positive number, got " + lr);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("--batch: expected at least 1, got " + batch);
            }
            if (cutoff < 2) {
                throw new IllegalArgumentException("--cutoff: expected at least 2 tokens, got " + cutoff);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("--dropout: expected a value in [0, 1), got " + dropout);
            }
            if (seedExamples != null && seedExamples < 1) {
                throw new IllegalArgumentException("--seed-examples: expected at least 1, got " + seedExamples);
            }
            if (fromExtracted != null && extractOnly) {
                throw new IllegalArgumentException("--from-extracted and --extract-only exclude each other");
            }
            if (fromExtracted != null && (seedData != null || seedExamples != null)) {
                throw new IllegalArgumentException("--seed-data and --seed-examples choose seeds for the extraction, which --from-extracted skips");
            }
        }

        /** The paper's settings: rank 16, embeddings on, 3 epochs, lr 3e-4, batch 64, cutoff 2048, dropout 0.05, seed 42. */
        public static Options defaults(Path source, Path target, Path data, Path out) {
            return new Options(source, target, data, null, null, 16, true, 3, 3e-4, 64, 2048, 0.05, 42, TokenizedExample.Compat.EXACT,
                    null, false, out, false);
        }

        public Options withRank(int r) {
            return new Options(source, target, data, seedData, seedExamples, r, embeddings, epochs, lr, batch, cutoff, dropout, seed, compat,
                    fromExtracted, extractOnly, out, force);
        }

        public Options withSeeds(Path file, Integer count) {
            return new Options(source, target, data, file, count, rank, embeddings, epochs, lr, batch, cutoff, dropout, seed, compat,
                    fromExtracted, extractOnly, out, force);
        }

        public Options withTraining(int e, double rate, int b) {
            return new Options(source, target, data, seedData, seedExamples, rank, embeddings, e, rate, b, cutoff, dropout, seed, compat,
                    fromExtracted, extractOnly, out, force);
        }

        public Options withForce(boolean f) {
            return new Options(source, target, data, seedData, seedExamples, rank, embeddings, epochs, lr, batch, cutoff, dropout, seed, compat,
                    fromExtracted, extractOnly, out, f);
        }
    }

    /** Wall seconds of each phase (0 for a phase that did not run). */
    public record Timings(double sensitivity, double windows, double svd, double training, double merge) {
    }

    /**
     * What a run produced.
     *
     * @param sensitivity the source's sensitivity (null with fromExtracted)
     * @param plan        the windows and factors (null with fromExtracted)
     * @param training    the fine-tuning result (null with extractOnly)
     * @param merged      the merged model directory (null with extractOnly)
     */
    public record Result(Path out, Sensitivity sensitivity, PostAlignPlan plan, PostAlignLora model, Trainer.Result training,
                         Path extracted, Path adapter, Path merged, Timings timings) {
    }

    /**
     * Runs the job into {@code o.out()}.
     *
     * @param provenance extra manifest entries (the CLI adds the pkt4j version)
     * @param notes      one-line progress notes (phases, seed examples, windows)
     * @param listener   each fine-tuning step
     */
    public static Result run(Options o, ExecutionContext ctx, Map<String, Object> provenance, Consumer<String> notes,
                             Trainer.Listener listener) throws IOException {
        prepareOutput(o);
        Llama source = Llama.open(o.source());
        Llama target = Llama.open(o.target());
        PostAlignPlan.Options po = new PostAlignPlan.Options(o.rank(), o.embeddings(), o.seed());
        if (o.fromExtracted() == null) {
            PostAlignPlan.validate(source.config(), target.config(), po);
        }
        DataFile taskFile = DataFile.read(o.data());
        DataFile seedFile = o.seedData() == null ? taskFile : DataFile.read(o.seedData());
        Tokenizer tok = taskFile.isChat() || seedFile.isChat() ? tokenizer(o) : null;
        // the task data is checked before the long extraction, so that a bad file fails fast
        FineTuning.Prepared task = o.extractOnly() ? null
                : FineTuning.prepare(taskFile, tok, target.config().vocabSize(), o.cutoff(), false, o.compat());
        Path log = o.out().resolve("log.jsonl");
        Files.createDirectories(o.out());
        Map<String, Object> manifest = manifest(o, provenance);

        Sensitivity sensitivity = null;
        PostAlignPlan plan = null;
        PostAlignLora model;
        double tSens = 0, tWin = 0, tSvd = 0;
        if (o.fromExtracted() == null) {
            int limit = o.seedExamples() != null ? o.seedExamples() : o.seedData() != null ? Integer.MAX_VALUE : DEFAULT_SEED_EXAMPLES;
            SensitivityExample.Seeds seeds = SensitivityExample.fromDataFile(seedFile, tok, limit, o.cutoff(), source.config().vocabSize());
            notes.accept(String.format(Locale.ROOT, "sensitivity of %s on %d seed examples from %s%s", o.source(), seeds.examples().size(),
                    seedFile.path(), seeds.skipped() > 0 ? " (" + seeds.skipped() + " skipped: nothing scored within --cutoff)" : ""));
            long t0 = System.nanoTime();
            sensitivity = new GradientSensitivity(source, ctx, mappedFor(o.embeddings())).compute(seeds.examples(), (i, n, ex, loss, s) -> {
                notes.accept(String.format(Locale.ROOT, "seed %d/%d  %d tokens  loss %.4f  %.2fs", i + 1, n, ex.ids().length, loss, s));
                appendLog(log, Map.of("phase", "sensitivity", "example", ex.id(), "tokens", ex.ids().length, "loss", loss, "seconds", s));
            });
            tSens = (System.nanoTime() - t0) / 1e9;
            plan = PostAlignPlan.build(source, target.config(), sensitivity, po, ctx, w -> appendLog(log, windowLog(w)));
            tWin = plan.timings().windowSeconds();
            tSvd = plan.timings().svdSeconds();
            notes.accept(String.format(Locale.ROOT, "kept source layers %s (ranking %s); %d windows factored at rank %d (%.1fs windows, %.1fs SVD)",
                    java.util.Arrays.toString(plan.keptLayers()), java.util.Arrays.toString(plan.layerOrder()), plan.windows().size(), o.rank(),
                    tWin, tSvd));
            manifest.put("seeds", Map.of("file", seedFile.path().toAbsolutePath().toString(), "sha256", sha256(seedFile.path()),
                    "examples", sensitivity.exampleIds(), "skipped", seeds.skipped(), "losses", sensitivity.losses()));
            manifest.put("tensor_sensitivity", sensitivity.sums());
            manifest.put("plan", plan.toJson());
            model = PostAlignLora.start(target, plan.loraConfig(o.dropout()), plan.loraWeights());
        } else {
            Lora given = PeftAdapter.read(o.fromExtracted(), target);
            if (given.config().rank() != o.rank()) {
                throw new IllegalArgumentException("--from-extracted " + o.fromExtracted() + " has rank " + given.config().rank() + ", --rank is " + o.rank());
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (Param p : given.params()) {
                weights.put(p.name(), p.value());
            }
            LoraConfig c = given.config();
            model = PostAlignLora.start(target, new LoraConfig(c.rank(), c.alpha(), o.dropout(), c.targets(), c.rslora()), weights);
            manifest.put("extracted_from", o.fromExtracted().toAbsolutePath().toString());
            notes.accept("extracted LoRA read from " + o.fromExtracted() + " (targets " + c.targetNames() + ")");
        }
        Path extracted = o.out().resolve("extracted");
        PeftAdapter.write(extracted, model.extracted(), o.target().toAbsolutePath().toString(), true);
        manifest.put("lora", Map.of("r", model.lora().config().rank(), "alpha", model.lora().config().alpha(), "dropout", o.dropout(),
                "targets", List.copyOf(model.lora().config().targetNames()), "trainable_parameters", Params.count(model.params())));
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("extracted", Map.of("dir", "extracted", "sha256", sha256(extracted.resolve(PeftAdapter.WEIGHTS))));
        manifest.put("outputs", outputs);
        if (o.extractOnly()) {
            Timings t = new Timings(tSens, tWin, tSvd, 0, 0);
            manifest.put("timings_s", t);
            Json.writeFile(o.out().resolve("manifest.json"), manifest);
            notes.accept("wrote " + extracted + " (--extract-only)");
            return new Result(o.out(), sensitivity, plan, model, null, extracted, null, null, t);
        }

        notes.accept(String.format(Locale.ROOT, "fine-tuning %d LoRA parameters on %d examples (%d tokens; %d truncated, %d skipped)",
                Params.count(model.params()), task.examples().size(), task.tokens(), task.truncated(), task.skipped()));
        Trainer.Options topts = new Trainer.Options(o.epochs(), o.batch(), Trainer.Reduction.MEAN, 1.0, o.seed(), true, 0, 1);
        long total = Trainer.totalSteps(task.examples().size(), topts);
        LrSchedule schedule = LrSchedule.warmupLinear(o.lr(), Math.round(0.03 * total), total);
        AdamW optimizer = new AdamW(0.9, 0.999, 1e-8, 0);
        Trainer.Result trained = new Trainer(model, optimizer, schedule, topts, ctx).train(task.examples(), null, false, p -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("phase", "train");
            line.put("step", p.step());
            line.put("epoch", p.epoch());
            line.put("loss", p.loss());
            line.put("lr", p.lr());
            line.put("grad_norm", p.gradNorm());
            line.put("tokens_per_s", Math.round(p.tokensPerSecond() * 10) / 10.0);
            appendLog(log, line);
            listener.onStep(p);
        });
        model.setTraining(false);
        Path adapter = o.out().resolve("adapter");
        PeftAdapter.write(adapter, model.lora(), o.target().toAbsolutePath().toString(), true);
        long t0 = System.nanoTime();
        Path merged = o.out().resolve("merged");
        model.writeMerged(merged, true, ctx);
        double tMerge = (System.nanoTime() - t0) / 1e9;
        Timings t = new Timings(tSens, tWin, tSvd, trained.seconds(), tMerge);
        Map<String, Object> tr = new LinkedHashMap<>();
        tr.put("examples", task.examples().size());
        tr.put("tokens_per_epoch", task.tokens());
        tr.put("truncated", task.truncated());
        tr.put("skipped", task.skipped());
        tr.put("steps", trained.steps());
        tr.put("final_loss", trained.lastLoss());
        tr.put("tokens_per_s", trained.tokens() / Math.max(trained.seconds(), 1e-9));
        tr.put("optimizer", optimizer.describe());
        tr.put("schedule", "linear decay, warm-up " + Math.round(0.03 * total) + " of " + total + " steps");
        tr.put("max_grad_norm", 1.0);
        manifest.put("training", tr);
        outputs.put("adapter", Map.of("dir", "adapter", "sha256", sha256(adapter.resolve(PeftAdapter.WEIGHTS)),
                "applies_to", "the target minus the extracted product (W_t - B0 A0)"));
        outputs.put("merged", Map.of("dir", "merged", "untied", target.config().tieWordEmbeddings()
                && model.lora().linear().containsKey("lm_head")));
        manifest.put("timings_s", t);
        Json.writeFile(o.out().resolve("manifest.json"), manifest);
        notes.accept("wrote " + extracted + ", " + adapter + " and " + merged);
        return new Result(o.out(), sensitivity, plan, model, trained, extracted, adapter, merged, t);
    }

    /** The weights whose elementwise sensitivity the windows read (norms and biases only need their totals). */
    static java.util.function.Predicate<String> mappedFor(boolean embeddings) {
        return n -> n.endsWith("_proj.weight") || (embeddings && (n.equals("model.embed_tokens.weight") || n.equals("lm_head.weight")));
    }

    /** The tokenizer of the target directory, else of the source's (the two share a vocabulary). */
    private static Tokenizer tokenizer(Options o) throws IOException {
        try {
            return Tokenizers.load(o.target());
        } catch (NoSuchFileException e) {
            try {
                return Tokenizers.load(o.source());
            } catch (NoSuchFileException e2) {
                throw new NoSuchFileException(o.target().toString(), null,
                        "chat data needs a tokenizer, and neither the target nor the source directory has tokenizer.json or tokenizer.bin");
            }
        }
    }

    private static Map<String, Object> manifest(Options o, Map<String, Object> provenance) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.putAll(provenance);
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("source", o.source().toAbsolutePath().toString());
        opts.put("target", o.target().toAbsolutePath().toString());
        opts.put("data", o.data().toAbsolutePath().toString());
        opts.put("seed_data", o.seedData() == null ? null : o.seedData().toAbsolutePath().toString());
        opts.put("seed_examples", o.seedExamples());
        opts.put("rank", o.rank());
        opts.put("embeddings", o.embeddings());
        opts.put("epochs", o.epochs());
        opts.put("lr", o.lr());
        opts.put("batch", o.batch());
        opts.put("cutoff", o.cutoff());
        opts.put("dropout", o.dropout());
        opts.put("seed", o.seed());
        opts.put("compat", o.compat().name().toLowerCase(Locale.ROOT));
        opts.put("from_extracted", o.fromExtracted() == null ? null : o.fromExtracted().toAbsolutePath().toString());
        opts.put("extract_only", o.extractOnly());
        m.put("options", opts);
        // model weights are not hashed (gigabytes); their config files and the data are
        Map<String, Object> sums = new LinkedHashMap<>();
        sums.put("data", sha256(o.data()));
        sums.put("source_config", sha256(o.source().resolve("config.json")));
        sums.put("target_config", sha256(o.target().resolve("config.json")));
        m.put("sha256", sums);
        return m;
    }

    private static Map<String, Object> windowLog(PostAlignPlan.Window w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", "window");
        m.put("target", w.targetPath());
        m.put("source_tensor", w.sourceTensor());
        m.put("corner", new int[] {w.row(), w.col()});
        m.put("sum", w.sum());
        m.put("top_singular_value", w.factors().values()[0]);
        return m;
    }

    private static void appendLog(Path log, Map<String, Object> line) {
        try {
            Files.writeString(log, Json.writeLine(line) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void prepareOutput(Options o) throws IOException {
        Path out = o.out();
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new FileAlreadyExistsException(out.toString(), null, "exists and is not a directory");
        }
        boolean empty;
        try (var s = Files.list(out)) {
            empty = s.findAny().isEmpty();
        }
        if (empty) {
            return;
        }
        if (!o.force()) {
            throw new FileAlreadyExistsException(out.toString(), null, "already exists; pass --force to replace its run");
        }
        for (String f : OUTPUTS) {
            AtomicFiles.deleteRecursively(out.resolve(f));
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
