package org.pkt4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenRecord;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.peft.PeftAdapter;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * Supervised fine-tuning of a Hugging Face model on a data file, LoRA or full (the language-based transfer
 * baseline and general fine-tuning): data → tokenized examples (PKT-SPEC §1) → {@link Trainer} → a PEFT
 * adapter ({@code OUT/adapter}, plus {@code OUT/merged} on request) or a full model ({@code OUT/model}) in
 * the base's names, dtype and sharding. The run directory also holds {@code manifest.json},
 * {@code loss.jsonl} and {@code checkpoints/}.
 */
public final class FineTuning {
    private FineTuning() {
    }

    public enum Schedule { CONSTANT, LINEAR, COSINE, ONECYCLE }

    /**
     * @param lora          the LoRA configuration, or null for full fine-tuning
     * @param maxGradNorm   clipping threshold, {@code Double.POSITIVE_INFINITY} for none
     * @param warmupRatio   fraction of steps of linear warm-up (linear and cosine schedules; one-cycle's pct_start)
     * @param compat        label masking of chat records (the reference masks the first response token too)
     * @param merge         with LoRA, also write the merged model
     */
    public record Options(Path model, Path data, Path out, LoraConfig lora, int epochs, double lr, int batch, int cutoff,
                          boolean trainOnInputs, long seed, Schedule schedule, double warmupRatio, double weightDecay,
                          double maxGradNorm, TokenizedExample.Compat compat, int checkpointEvery, boolean merge,
                          boolean resume, boolean force) {
        public Options {
            if (cutoff < 2) {
                throw new IllegalArgumentException("--cutoff: expected at least 2 tokens, got " + cutoff);
            }
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("--lr: expected a positive number, got " + lr);
            }
            if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
                throw new IllegalArgumentException("--warmup-ratio: expected a value in [0, 1], got " + warmupRatio);
            }
        }
    }

    /** The examples a data file yields, and what had to be changed or dropped. */
    public record Prepared(List<TokenizedExample> examples, int records, int truncated, int skipped, long tokens) {
    }

    /** What a run produced. */
    public record Result(Prepared data, Trainer.Result training, Path output, Path merged) {
    }

    /** Reads and tokenizes the data; chat records need the model directory's tokenizer. */
    public static Prepared prepare(Options o, Llama model) throws IOException {
        DataFile file = DataFile.read(o.data());
        Tokenizer tok = file.isChat() ? Tokenizers.load(o.model()) : null;
        return prepare(file, tok, model.config().vocabSize(), o.cutoff(), o.trainOnInputs(), o.compat());
    }

    /** Tokenizes chat records with {@code tok} (PKT-SPEC §1) or takes pre-tokenized records, truncating at the cutoff. */
    public static Prepared prepare(DataFile file, Tokenizer tok, int vocab, int cutoff, boolean trainOnInputs,
                                   TokenizedExample.Compat compat) throws FormatException {
        List<TokenizedExample> out = new ArrayList<>();
        int truncated = 0, skipped = 0;
        long tokens = 0;
        for (int i = 0; i < file.size(); i++) {
            TokenizedExample ex;
            int line;
            if (file.isChat()) {
                ChatRecord r = file.chat().get(i);
                line = r.line();
                if (!r.last().role().equals("assistant")) {
                    throw new FormatException(file.path(), "line " + line + ": the last message must be the assistant's answer, found '"
                            + r.last().role() + "'");
                }
                ex = TokenizedExample.of(r, tok, cutoff, trainOnInputs, compat);
            } else {
                TokenRecord r = file.tokens().get(i);
                line = r.line();
                if (!r.isTraining()) {
                    throw new FormatException(file.path(), "line " + line + ": training needs 'input_ids' (+ 'labels'), found a locate record");
                }
                boolean cut = r.inputIds().length > cutoff;
                int n = Math.min(cutoff, r.inputIds().length);
                int[] ids = Arrays.copyOf(r.inputIds(), n);
                ex = new TokenizedExample(ids, trainOnInputs ? ids.clone() : Arrays.copyOf(r.labels(), n), cut);
            }
            for (int t = 0; t < ex.ids().length; t++) {
                int id = ex.ids()[t];
                int y = ex.labels()[t];
                if (id < 0 || id >= vocab || (y != CausalLmLoss.IGNORE && (y < 0 || y >= vocab))) {
                    throw new FormatException(file.path(), "line " + line + ": token " + (id < 0 || id >= vocab ? "id " + id : "label " + y)
                            + " at position " + t + " is outside the model's vocabulary [0, " + vocab + ")");
                }
            }
            truncated += ex.truncated() ? 1 : 0;
            if (ex.scoredTokens() == 0) {
                skipped++;
                continue;
            }
            tokens += ex.ids().length;
            out.add(ex);
        }
        if (out.isEmpty()) {
            throw new FormatException(file.path(), "no example has a scored label (all " + file.size()
                    + " are masked to -100 within --cutoff " + cutoff + "): nothing to train on");
        }
        return new Prepared(List.copyOf(out), file.size(), truncated, skipped, tokens);
    }

    /** Runs the whole job: prepare, train (resuming when asked), write the outputs. */
    public static Result run(Options o, ExecutionContext ctx, Consumer<String> notes, Trainer.Listener listener) throws IOException {
        prepareOutput(o, notes);
        Llama model = Llama.open(o.model());
        Prepared data = prepare(o, model);
        notes.accept(String.format("data: %d examples, %d tokens (%d records; %d truncated at --cutoff %d; %d skipped: nothing scored)",
                data.examples().size(), data.tokens(), data.records(), data.truncated(), o.cutoff(), data.skipped()));
        TrainableModel trainable;
        try {
            trainable = o.lora() != null ? Lora.attach(model, o.lora(), o.seed()) : FullFineTune.all(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--lora-rank/--lora-targets: " + e.getMessage(), e);
        }
        Trainer.Options topts = new Trainer.Options(o.epochs(), o.batch(), Trainer.Reduction.MEAN, o.maxGradNorm(), o.seed(), true,
                o.checkpointEvery(), 2);
        long total = Trainer.totalSteps(data.examples().size(), topts);
        long warmup = Math.round(o.warmupRatio() * total);
        LrSchedule schedule = switch (o.schedule()) {
            case CONSTANT -> LrSchedule.constant(o.lr());
            case LINEAR -> LrSchedule.warmupLinear(o.lr(), warmup, total);
            case COSINE -> LrSchedule.warmupCosine(o.lr(), warmup, total);
            case ONECYCLE -> new OneCycle(o.lr(), total, o.warmupRatio(), 25, 1, true, true, 0.85, 0.95);
        };
        AdamW optimizer = new AdamW(0.9, 0.999, 1e-8, o.weightDecay());
        notes.accept(String.format("training %s: %d trainable parameters, %d steps (%d epochs, batch %d)",
                o.lora() != null ? "LoRA r=" + o.lora().rank() + " on " + o.lora().targetNames() : "all weights",
                Params.count(trainable.params()), total, o.epochs(), o.batch()));
        writeManifest(o, data, optimizer, total, trainable);
        Trainer.Result r = new Trainer(trainable, optimizer, schedule, topts, ctx).train(data.examples(), o.out(), o.resume(), listener);
        if (r.startStep() > 0) {
            notes.accept("resumed from the checkpoint after step " + r.startStep());
        }
        Path output;
        Path merged = null;
        if (trainable instanceof Lora lora) {
            output = o.out().resolve("adapter");
            PeftAdapter.write(output, lora, o.model().toAbsolutePath().toString(), true);
            if (o.merge()) {
                merged = o.out().resolve("merged");
                lora.writeMerged(merged, true, ctx);
            }
        } else {
            output = o.out().resolve("model");
            ((FullFineTune) trainable).write(output, true);
        }
        return new Result(data, r, output, merged);
    }

    /** Files of a run directory this job writes (and removes with --force). */
    static final List<String> OUTPUTS = List.of("manifest.json", "loss.jsonl", "checkpoints", "adapter", "model", "merged");

    private static void prepareOutput(Options o, Consumer<String> notes) throws IOException {
        Path out = o.out();
        boolean exists = Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out));
        if (!exists) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new java.nio.file.FileAlreadyExistsException(out.toString(), null, "exists and is not a directory");
        }
        if (o.resume()) {
            if (TrainerCheckpoint.latest(out).isEmpty()) {
                notes.accept("no checkpoint in " + out + ": starting from step 0");
            }
            return;
        }
        if (!o.force()) {
            throw new java.nio.file.FileAlreadyExistsException(out.toString(), null,
                    "already exists; pass --resume to continue its run or --force to start over");
        }
        for (String f : OUTPUTS) {
            AtomicFiles.deleteRecursively(out.resolve(f));
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void writeManifest(Options o, Prepared data, Optimizer opt, long total, TrainableModel t) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "pkt4j-finetune");
        m.put("version", 1);
        m.put("model", o.model().toAbsolutePath().toString());
        m.put("data", o.data().toAbsolutePath().toString());
        m.put("data_sha256", sha256(o.data()));
        m.put("method", o.lora() != null ? "lora" : "full");
        if (o.lora() != null) {
            m.put("lora", Map.of("r", o.lora().rank(), "alpha", o.lora().alpha(), "dropout", o.lora().dropout(),
                    "targets", new ArrayList<>(o.lora().targetNames())));
        }
        m.put("epochs", o.epochs());
        m.put("lr", o.lr());
        m.put("batch", o.batch());
        m.put("cutoff", o.cutoff());
        m.put("train_on_inputs", o.trainOnInputs());
        m.put("compat", o.compat().name().toLowerCase(java.util.Locale.ROOT));
        m.put("seed", o.seed());
        m.put("schedule", o.schedule().name().toLowerCase(java.util.Locale.ROOT));
        m.put("warmup_ratio", o.warmupRatio());
        m.put("optimizer", opt.describe());
        m.put("max_grad_norm", Double.isInfinite(o.maxGradNorm()) ? "none" : o.maxGradNorm());
        m.put("total_steps", total);
        m.put("examples", data.examples().size());
        m.put("truncated", data.truncated());
        m.put("skipped", data.skipped());
        m.put("trainable_parameters", Params.count(t.params()));
        Files.createDirectories(o.out());
        Json.writeFile(o.out().resolve("manifest.json"), m);
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
