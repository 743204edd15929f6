package org.pkt4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.DType;

/**
 * A {@code pkt pretrain} config, format {@code pkt4j-pretrain/1} (models/demo/DESIGN.md): the architecture (a
 * config.json block), the initialisation, the tokenizer, the demo corpus recipe, the training recipe and the
 * output dtype. Every key is required and unknown keys are errors, so a config states the whole recipe and a
 * model card can print it back.
 *
 * @param file      the config file (relative paths in it resolve against its directory)
 * @param name      free text, goes into the model card
 * @param seed      initialisation and data-order seed
 * @param model     the {@code model} block as written, which becomes config.json
 * @param llama     the same block parsed
 * @param init      weight initialisation
 * @param tokenizer the tokenizer file (resolved)
 * @param data      the corpus
 * @param train     the training recipe
 * @param dtype     the stored dtype of the output weights
 */
public record PretrainConfig(Path file, String name, long seed, JsonNode model, LlamaConfig llama, Init init, Path tokenizer,
                             Data data, Train train, DType dtype) {

    public static final String FORMAT = "pkt4j-pretrain/1";

    /**
     * @param std           standard deviation of every matrix (embeddings included) at initialisation
     * @param residualScale multiply the residual projections ({@code o_proj}, {@code down_proj}) by 1/√(2L)
     *                      (GPT-2), so that the residual stream's variance does not grow with depth
     */
    public record Init(double std, boolean residualScale) {
    }

    /**
     * @param dataSeed            the world and task splits ({@link DemoSplits#generate})
     * @param corpus              the training corpus
     * @param validationSeed      corpus seed of the validation documents (same recipe, other draws)
     * @param validationDocuments how many of them
     */
    public record Data(long dataSeed, CorpusRecipe corpus, long validationSeed, int validationDocuments) {
    }

    /**
     * @param seqLen          longest packed sequence
     * @param batchSequences  sequences per optimizer step
     * @param epochs          passes over the corpus
     * @param optimizer       AdamW settings
     * @param warmupSteps     linear warm-up steps
     * @param finalLrFraction the cosine decays to this fraction of the peak rate
     * @param gradClip        global gradient-norm clipping threshold
     * @param logEvery        steps between progress lines
     * @param validateEvery   steps between validation losses
     * @param checkpointEvery steps between checkpoints
     */
    public record Train(int seqLen, int batchSequences, int epochs, Optimizer optimizer, int warmupSteps, double finalLrFraction,
                        double gradClip, int logEvery, int validateEvery, int checkpointEvery) {
    }

    /**
     * @param noDecay name parts: a weight whose name contains one of them gets no weight decay
     */
    public record Optimizer(double lr, double beta1, double beta2, double eps, double weightDecay, List<String> noDecay) {

        /** Whether weight decay applies to the weight {@code name}. */
        public boolean decays(String name) {
            return noDecay.stream().noneMatch(name::contains);
        }
    }

    /** Reads and checks a config; the message of any problem names the file and the key. */
    public static PretrainConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such config file");
        }
        ConfigObject root = ConfigObject.root(file, Json.read(file),
                List.of("format", "name", "seed", "model", "init", "tokenizer", "data", "train", "output"));
        String format = root.text("format");
        if (!format.equals(FORMAT)) {
            throw root.error("format", "expected \"" + FORMAT + "\", got \"" + format + "\"");
        }
        String name = root.text("name");
        long seed = root.integer("seed");

        JsonNode model = root.rawObject("model");
        LlamaConfig llama;
        try {
            llama = HfConfig.parse(file, model);
        } catch (FormatException e) {
            throw root.error("model", e.getMessage().substring(file.toString().length() + 2));
        }

        ConfigObject init = root.object("init", List.of("std", "residual_scale"));
        Init in = new Init(init.number("std", 0, true, 1), init.bool("residual_scale"));

        Path tokenizer = file.toAbsolutePath().getParent().resolve(root.text("tokenizer")).normalize();
        if (!Files.isRegularFile(tokenizer)) {
            throw root.error("tokenizer", "no such file " + tokenizer);
        }

        ConfigObject data = root.object("data", List.of("generator", "data_seed", "corpus", "validation"));
        String generator = data.text("generator");
        if (!generator.equals("demo")) {
            throw data.error("generator", "expected \"demo\" (the only corpus generator), got \"" + generator + "\"");
        }
        CorpusRecipe corpus = corpus(data.object("corpus", List.of("seed", "fact_fraction", "fact_mentions", "arithmetic_problems",
                "knowledge_questions", "drills", "stories", "descriptions", "reading_questions")));
        ConfigObject validation = data.object("validation", List.of("seed", "documents"));
        Data d = new Data(data.integer("data_seed"), corpus, validation.integer("seed"),
                validation.integer("documents", 1, 1_000_000));
        if (d.validationSeed() == corpus.seed()) {
            throw validation.error("seed", "must differ from data.corpus.seed " + corpus.seed()
                    + " (validation documents are other draws of the same recipe)");
        }

        Train t = train(root.object("train", List.of("seq_len", "packing", "batch_sequences", "epochs", "optimizer", "schedule",
                "grad_clip", "log_every", "validate_every", "checkpoint_every")), llama);

        ConfigObject output = root.object("output", List.of("dtype"));
        DType dtype;
        try {
            dtype = DType.fromTorchName(output.text("dtype"));
        } catch (IllegalArgumentException e) {
            throw output.error("dtype", e.getMessage());
        }
        if (llama.dtype() != null && !llama.dtype().equals(dtype.torchName())) {
            throw root.error("model", "torch_dtype \"" + llama.dtype() + "\" disagrees with output.dtype \"" + dtype.torchName()
                    + "\" (config.json declares the stored dtype)");
        }
        return new PretrainConfig(file, name, seed, model, llama, in, tokenizer, d, t, dtype);
    }

    private static CorpusRecipe corpus(ConfigObject c) throws FormatException {
        long seed = c.integer("seed");
        double fraction = c.number("fact_fraction", 0, false, 1);
        int mentions = c.integer("fact_mentions", 0, 100_000);
        int arithmetic = c.integer("arithmetic_problems", 0, 10_000_000);
        int knowledge = c.integer("knowledge_questions", 0, 10_000_000);
        int drills = c.integer("drills", 0, 10_000_000);
        int stories = c.integer("stories", 0, 10_000_000);
        int descriptions = c.integer("descriptions", 0, 10_000_000);
        int reading = c.integer("reading_questions", 0, 10_000_000);
        try {
            CorpusRecipe r = new CorpusRecipe(seed, fraction, mentions, arithmetic, knowledge, drills, stories, descriptions, reading);
            if (mentions + arithmetic + knowledge + drills + stories + descriptions + reading == 0) {
                throw new IllegalArgumentException("the corpus is empty: every count is 0");
            }
            return r;
        } catch (IllegalArgumentException e) {
            throw c.error(e.getMessage());
        }
    }

    private static Train train(ConfigObject t, LlamaConfig llama) throws FormatException {
        int seqLen = t.integer("seq_len", 2, llama.maxPositionEmbeddings());
        String packing = t.text("packing");
        if (!packing.equals("whole_documents")) {
            throw t.error("packing", "expected \"whole_documents\", got \"" + packing + "\"");
        }
        int batch = t.integer("batch_sequences", 1, 1 << 20);
        int epochs = t.integer("epochs", 1, 10_000);
        ConfigObject o = t.object("optimizer", List.of("type", "lr", "betas", "eps", "weight_decay", "no_decay"));
        String type = o.text("type");
        if (!type.equals("adamw")) {
            throw o.error("type", "expected \"adamw\", got \"" + type + "\"");
        }
        double lr = o.number("lr", 0, true, 10);
        List<Double> betas = o.numbers("betas", 2);
        for (double b : betas) {
            if (!(b >= 0 && b < 1)) {
                throw o.error("betas", "expected two numbers in [0, 1), got " + betas);
            }
        }
        Optimizer opt = new Optimizer(lr, betas.get(0), betas.get(1), o.number("eps", 0, true, 1),
                o.number("weight_decay", 0, false, 10), List.copyOf(o.texts("no_decay")));
        ConfigObject s = t.object("schedule", List.of("type", "warmup_steps", "final_lr_fraction"));
        String sched = s.text("type");
        if (!sched.equals("cosine")) {
            throw s.error("type", "expected \"cosine\" (linear warm-up then cosine decay), got \"" + sched + "\"");
        }
        return new Train(seqLen, batch, epochs, opt, s.integer("warmup_steps", 0, Integer.MAX_VALUE),
                s.number("final_lr_fraction", 0, false, 1), t.number("grad_clip", 0, true, Double.MAX_VALUE),
                t.integer("log_every", 1, Integer.MAX_VALUE), t.integer("validate_every", 1, Integer.MAX_VALUE),
                t.integer("checkpoint_every", 1, Integer.MAX_VALUE));
    }
}
