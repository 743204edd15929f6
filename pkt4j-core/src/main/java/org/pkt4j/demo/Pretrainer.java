package org.pkt4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.eval.Benchmarks;
import org.pkt4j.eval.EvalProgress;
import org.pkt4j.eval.EvalResult;
import org.pkt4j.eval.Evaluator;
import org.pkt4j.eval.Task;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.AdamW;
import org.pkt4j.train.DocumentPacking;
import org.pkt4j.train.FullFineTune;
import org.pkt4j.train.Initialization;
import org.pkt4j.train.LrSchedule;
import org.pkt4j.train.Params;
import org.pkt4j.train.Trainer;
import org.pkt4j.train.TrainerCheckpoint;

/**
 * {@code pkt pretrain}: trains a Llama from scratch on a demo corpus, as a {@link PretrainConfig} says. The
 * corpus ({@link DemoCorpus}) is tokenized, EOS appended to each document, and packed into sequences of whole
 * documents ({@link DocumentPacking}); the {@link Trainer} runs them with fp32 master weights
 * ({@link FullFineTune} over {@link Initialization}), AdamW, warm-up + cosine and clipping, logging every step
 * to {@code loss.jsonl} with a validation loss on held-out documents of the same recipe, and checkpointing.
 * The result is a Hugging Face directory in the configured dtype (config.json, model.safetensors, the
 * tokenizer files, {@code loss.jsonl}, {@code pretrain.json} with the config and results, and a model card
 * {@code README.md}), written atomically. The run state lives beside it in {@code OUT.run/} (deleted when the
 * model is written), so an interrupted run resumes from its last checkpoint.
 */
public final class Pretrainer {
    private Pretrainer() {
    }

    /**
     * @param resume    continue from the newest checkpoint in {@code OUT.run/}
     * @param force     start over, replacing an existing output
     * @param evaluate  score the trained model on the demo tasks' test splits (for the model card)
     * @param stopAfter stop after this many steps, keeping the run state (an interruption; tests)
     */
    public record Options(boolean resume, boolean force, boolean evaluate, long stopAfter) {
        public Options {
            if (resume && force) {
                throw new IllegalArgumentException("resume and force exclude each other");
            }
        }

        public static Options defaults() {
            return new Options(false, false, true, Long.MAX_VALUE);
        }
    }

    /** The corpus as trained on. */
    public record Corpus(int documents, long tokens, int sequences, int truncated, int validationSequences, long validationTokens) {
    }

    /**
     * What a run did.
     *
     * @param finished        false when stopped early ({@link Options#stopAfter}): nothing was written
     * @param finalTrainLoss  mean loss of the last {@link #FINAL_LOSS_STEPS} steps
     * @param finalValidationLoss the last validation loss (NaN when a stopped run had not validated yet)
     * @param weights         the trained fp32 master weights by name
     * @param scores          test-split results by task name (empty without evaluation)
     */
    public record Result(PretrainConfig config, Path out, boolean finished, long parameters, Corpus corpus,
                         Trainer.Result training, double prepareSeconds, double firstLoss, double finalTrainLoss,
                         double finalValidationLoss, Map<String, EvalResult> scores, double evaluationSeconds,
                         Map<String, float[]> weights) {
    }

    /** Steps averaged into the final training loss (one step's loss is noisy). */
    public static final int FINAL_LOSS_STEPS = 20;

    /** The run directory of output {@code out}: {@code OUT.run} beside it. */
    public static Path runDir(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".run");
    }

    public static Result run(PretrainConfig cfg, Path out, Options o, ExecutionContext ctx, Consumer<String> notes,
                             Trainer.Listener listener) throws IOException {
        Path run = prepareOutput(out, o, notes);
        long t0 = System.nanoTime();
        LlamaConfig c = cfg.llama();
        Tokenizer tok = Tokenizers.load(cfg.tokenizer());
        checkTokenizer(cfg, tok);

        DemoSplits splits = DemoSplits.generate(cfg.data().dataSeed());
        CorpusRecipe recipe = cfg.data().corpus();
        DocumentPacking.Packed train = corpus(splits, recipe, Integer.MAX_VALUE, tok, cfg.train().seqLen(), ctx);
        DocumentPacking.Packed validation = corpus(splits, recipe.withSeed(cfg.data().validationSeed()), cfg.data().validationDocuments(), tok, cfg.train().seqLen(), ctx);
        Corpus stats = new Corpus(train.documents(), train.tokens(), train.sequences().size(), train.truncated(),
                validation.sequences().size(), validation.tokens());
        notes.accept(String.format("corpus: %,d documents, %,d tokens in %,d sequences of <= %d tokens%s; validation: %,d documents, %,d tokens",
                stats.documents(), stats.tokens(), stats.sequences(), cfg.train().seqLen(),
                stats.truncated() > 0 ? " (" + stats.truncated() + " documents cut to the sequence length)" : "",
                validation.documents(), stats.validationTokens()));

        PretrainConfig.Optimizer oc = cfg.train().optimizer();
        FullFineTune model = FullFineTune.of(Llama.of(c, Initialization.normal(c, cfg.init().std(), cfg.init().residualScale(), cfg.seed())),
                n -> true, oc::decays);
        Trainer.Options topts = new Trainer.Options(cfg.train().epochs(), cfg.train().batchSequences(), Trainer.Reduction.TOKEN_MEAN,
                cfg.train().gradClip(), cfg.seed(), true, cfg.train().checkpointEvery(), 2);
        long total = Trainer.totalSteps(train.sequences().size(), topts);
        long parameters = Params.count(model.params());
        notes.accept(String.format("model: %,d parameters (d %d, %d layers, %d heads, FFN %d, vocab %d); %,d steps (%d epochs of %,d sequences, batch %d)",
                parameters, c.hiddenSize(), c.numLayers(), c.numHeads(), c.intermediateSize(), c.vocabSize(), total,
                cfg.train().epochs(), stats.sequences(), cfg.train().batchSequences()));
        double prepareSeconds = (System.nanoTime() - t0) / 1e9;

        Trainer trainer = new Trainer(model, new AdamW(oc.beta1(), oc.beta2(), oc.eps(), oc.weightDecay()),
                LrSchedule.warmupCosine(oc.lr(), cfg.train().warmupSteps(), total, cfg.train().finalLrFraction()), topts, ctx)
                .validateEvery(cfg.train().validateEvery(), m -> Trainer.meanLoss(m, validation.sequences(), ctx))
                .stopAfter(o.stopAfter());
        Trainer.Result r = trainer.train(train.sequences(), run, o.resume(), listener);
        if (r.startStep() > 0) {
            notes.accept("resumed from the checkpoint after step " + r.startStep());
        }
        List<JsonNode> log = readLog(run.resolve("loss.jsonl"));
        double firstLoss = log.getFirst().path("loss").asDouble();
        double finalLoss = log.subList(Math.max(0, log.size() - FINAL_LOSS_STEPS), log.size()).stream()
                .mapToDouble(n -> n.path("loss").asDouble()).average().orElseThrow();
        double finalValidation = log.reversed().stream().filter(n -> n.has("val_loss")).findFirst()
                .map(n -> n.path("val_loss").asDouble()).orElse(Double.NaN);
        if (r.steps() < total) {
            notes.accept("stopped after step " + r.steps() + " of " + total + "; continue with --resume");
            return new Result(cfg, out, false, parameters, stats, r, prepareSeconds, firstLoss, finalLoss, finalValidation, Map.of(),
                    0, model.values());
        }

        long e0 = System.nanoTime();
        Map<String, EvalResult> scores = o.evaluate() ? evaluate(model.model(), tok, splits, ctx) : Map.of();
        scores.forEach((task, s) -> notes.accept(String.format("%s test split: %d/%d correct (%.1f %%)", task, s.correct(), s.n(),
                100 * s.accuracy())));
        double evaluationSeconds = (System.nanoTime() - e0) / 1e9;
        Result result = new Result(cfg, out, true, parameters, stats, r, prepareSeconds, firstLoss, finalLoss, finalValidation, scores,
                evaluationSeconds, model.values());
        write(result, model, run, ctx.threads());
        AtomicFiles.deleteRecursively(run);
        return result;
    }

    /**
     * Scores {@code model} on the test splits of both demo tasks with the evaluation harness, as {@code pkt eval}
     * and the demo do: arithmetic by greedy generation (the last number of the reply), knowledge by the letter
     * with the highest log-probability after "The answer is:".
     */
    public static Map<String, EvalResult> evaluate(Llama model, Tokenizer tok, DemoSplits splits, ExecutionContext ctx) throws IOException {
        Evaluator evaluator = new Evaluator(model, Adapters.NONE, tok, ctx);
        Map<String, EvalResult> out = new LinkedHashMap<>();
        for (String name : DemoSplits.TASKS) {
            Task task = Task.parse(name);
            List<ChatRecord> records = splits.items(name, DemoSplits.Split.TEST).stream().map(TaskItem::toChatRecord).toList();
            Path source = Path.of("models/demo/data", name, DemoSplits.Split.TEST.fileName(name));
            out.put(name, evaluator.evaluate(task, Benchmarks.fromChat(task, records, source, 0), Evaluator.Options.defaults(),
                    EvalProgress.NONE));
        }
        return out;
    }

    /** Refuses to overwrite without --force (or to continue without --resume); returns the run directory. */
    private static Path prepareOutput(Path out, Options o, Consumer<String> notes) throws IOException {
        Path run = runDir(out);
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new FileAlreadyExistsException(out.toString(), null, "exists and is not a directory");
        }
        if (o.force()) {
            AtomicFiles.deleteRecursively(run);
            return run;
        }
        if (o.resume()) {
            if (TrainerCheckpoint.latest(run).isEmpty()) {
                if (Files.exists(out)) {
                    throw new FileAlreadyExistsException(out.toString(), null,
                            "already exists and " + run + " holds no checkpoint to resume; pass --force to start over");
                }
                notes.accept("no checkpoint in " + run + ": starting from step 0");
            }
            return run;
        }
        if (Files.exists(out)) {
            throw new FileAlreadyExistsException(out.toString(), null, "already exists; pass --force to train it again");
        }
        if (Files.exists(run)) {
            throw new FileAlreadyExistsException(run.toString(), null,
                    "holds an interrupted run; pass --resume to continue it or --force to start over");
        }
        return run;
    }

    private static void checkTokenizer(PretrainConfig cfg, Tokenizer tok) throws FormatException {
        LlamaConfig c = cfg.llama();
        if (tok.vocabSize() > c.vocabSize()) {
            throw new FormatException(cfg.file(), "key model.vocab_size: " + c.vocabSize() + " is smaller than the tokenizer's "
                    + tok.vocabSize() + " tokens (" + cfg.tokenizer() + ")");
        }
        if (tok.eosId() < 0 || !c.eosTokenIds().contains(tok.eosId())) {
            throw new FormatException(cfg.file(), "key model.eos_token_id: " + c.eosTokenIds() + " does not name the tokenizer's EOS id "
                    + tok.eosId() + " (documents are packed with it)");
        }
    }

    /**
     * The first {@code limit} documents of the corpus of {@code recipe}, tokenized in order (the tokenizer is
     * thread-safe and documents are independent), each followed by EOS, packed into sequences.
     */
    private static DocumentPacking.Packed corpus(DemoSplits splits, CorpusRecipe recipe, int limit, Tokenizer tok, int seqLen,
                                                 ExecutionContext ctx) {
        DemoCorpus corpus = DemoCorpus.of(splits, recipe);
        int n = Math.min(limit, corpus.size());
        int[][] ids = new int[n][];
        ctx.parallelFor(n, 64, (from, to) -> {
            for (int i = from; i < to; i++) {
                ids[i] = tok.encode(corpus.document(i));
            }
        });
        return DocumentPacking.pack(List.of(ids), tok.eosId(), seqLen);
    }

    private static List<JsonNode> readLog(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(Json.MAPPER.readTree(line));
            }
        }
        return out;
    }

    /** The output directory: weights rounded to the configured dtype, tokenizer files, log, results and card. */
    private static void write(Result r, FullFineTune model, Path run, int threads) throws IOException {
        PretrainConfig cfg = r.config();
        List<PendingTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, float[]> e : model.values().entrySet()) {
            Tensor t = Tensor.ofFloats(e.getKey(), e.getValue(), model.base().tensors().get(e.getKey()).shape());
            tensors.add(PendingTensor.converted(e.getKey(), t, cfg.dtype()));
        }
        Json.writeFile(run.resolve("pretrain.json"), ModelCard.results(r, threads));
        AtomicFiles.writeString(run.resolve("README.md"), ModelCard.markdown(r, threads));
        Map<String, Path> side = new LinkedHashMap<>();
        side.put("tokenizer.json", cfg.tokenizer());
        for (String f : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Path p = cfg.tokenizer().resolveSibling(f);
            if (Files.isRegularFile(p)) {
                side.put(f, p);
            }
        }
        for (String f : List.of("README.md", "loss.jsonl", "pretrain.json")) {
            side.put(f, run.resolve(f));
        }
        CheckpointWriter.write(r.out(), HfConfig.withDtype(cfg.model(), cfg.dtype()), tensors, null, side, true);
    }
}
