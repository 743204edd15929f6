package org.pkt4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.llama.LlamaConfig;

/**
 * The model card ({@code README.md}) and the machine-readable results ({@code pretrain.json}) of a
 * {@link Pretrainer} run: configuration, parameter count, data recipe, seeds, training time and throughput,
 * losses, test accuracies and the command that rebuilds the model. A card has a section for the demo pair
 * (both models' accuracies side by side) between {@link #PAIR_BEGIN} and {@link #PAIR_END}, which
 * {@link #withPairSection} fills from {@link #pairSection} once both models exist ({@code pkt demo-data cards}).
 */
public final class ModelCard {
    private ModelCard() {
    }

    public static final String RESULTS_FORMAT = "pkt4j-pretrain-results/1";
    public static final String PAIR_BEGIN = "<!-- demo pair: begin -->";
    public static final String PAIR_END = "<!-- demo pair: end -->";

    /** pretrain.json: the config as written, then what the run measured. */
    static Map<String, Object> results(Pretrainer.Result r, int threads) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", RESULTS_FORMAT);
        m.put("config", Json.read(r.config().file()));
        m.put("parameters", r.parameters());
        Map<String, Object> corpus = new LinkedHashMap<>();
        corpus.put("documents", r.corpus().documents());
        corpus.put("tokens", r.corpus().tokens());
        corpus.put("sequences", r.corpus().sequences());
        corpus.put("truncated_documents", r.corpus().truncated());
        corpus.put("validation_sequences", r.corpus().validationSequences());
        corpus.put("validation_tokens", r.corpus().validationTokens());
        m.put("corpus", corpus);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("steps", r.training().steps());
        t.put("resumed_from_step", r.training().startStep());
        t.put("tokens_this_run", r.training().tokens());
        t.put("seconds_this_run", round(r.training().seconds(), 1));
        t.put("tokens_per_s", round(r.training().tokens() / r.training().seconds(), 1));
        t.put("threads", threads);
        t.put("prepare_seconds", round(r.prepareSeconds(), 1));
        t.put("first_loss", r.firstLoss());
        t.put("final_train_loss", r.finalTrainLoss());
        t.put("final_train_loss_steps", Pretrainer.FINAL_LOSS_STEPS);
        t.put("final_validation_loss", r.finalValidationLoss());
        m.put("training", t);
        Map<String, Object> test = new LinkedHashMap<>();
        r.scores().forEach((task, s) -> test.put(task, Map.of("correct", s.correct(), "total", s.n(),
                "accuracy", round(s.accuracy(), 4))));
        m.put("test", test);
        m.put("evaluation_seconds", round(r.evaluationSeconds(), 1));
        return m;
    }

    static String markdown(Pretrainer.Result r, int threads) {
        PretrainConfig cfg = r.config();
        LlamaConfig c = cfg.llama();
        PretrainConfig.Train t = cfg.train();
        CorpusRecipe rc = cfg.data().corpus();
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(cfg.name()).append("\n\n");
        sb.append("A small Llama trained from scratch by pkt4j's `pkt pretrain` for `./pkt demo` (see `models/demo/DESIGN.md`):\n")
                .append("invented facts, GSM-style arithmetic and generic English, with the demo tokenizer. Not a general model.\n\n");
        sb.append("Rebuild (deterministic up to the last bits of fp32 reductions):\n\n```\n./pkt pretrain ")
                .append(slashes(cfg.file())).append(" --out ").append(slashes(r.out())).append(" --force\n```\n\n");

        sb.append("## Model\n\n| | |\n| --- | --- |\n");
        row(sb, "architecture", "LlamaForCausalLM (" + c.modelType() + "), " + (c.numKvHeads() == c.numHeads() ? "MHA" : "GQA")
                + ", SwiGLU, RoPE θ " + fmt(c.rope().theta()) + ", RMSNorm ε " + c.rmsNormEps()
                + (c.tieWordEmbeddings() ? ", tied embeddings" : ""));
        row(sb, "hidden size / layers / heads (KV) / head dim", c.hiddenSize() + " / " + c.numLayers() + " / " + c.numHeads()
                + " (" + c.numKvHeads() + ") / " + c.headDim());
        row(sb, "FFN / vocabulary / context", c.intermediateSize() + " / " + c.vocabSize() + " / " + c.maxPositionEmbeddings());
        row(sb, "parameters", String.format(Locale.ROOT, "%,d", r.parameters()));
        row(sb, "stored as", cfg.dtype().torchName() + String.format(Locale.ROOT, " (%.2f MB of weights)",
                r.parameters() * cfg.dtype().bytes() / 1e6));

        sb.append("\n## Data\n\n");
        sb.append("The demo corpus (`DemoCorpus`), generated from data seed ").append(cfg.data().dataSeed())
                .append(" (world and task splits) and corpus seed ").append(rc.seed()).append("; no test question is in it.\n\n");
        sb.append("| recipe | |\n| --- | ---: |\n");
        row(sb, "share of the world's facts stated", fmt(rc.factFraction()));
        row(sb, "mentions per stated fact", String.valueOf(rc.factMentions()));
        row(sb, "arithmetic problems (chat)", String.format(Locale.ROOT, "%,d", rc.arithmeticProblems()));
        row(sb, "knowledge questions (chat)", String.format(Locale.ROOT, "%,d", rc.knowledgeQuestions()));
        row(sb, "reading questions (chat, the fact restated in the question)", String.format(Locale.ROOT, "%,d", rc.readingQuestions()));
        row(sb, "equation drills", String.format(Locale.ROOT, "%,d", rc.drills()));
        row(sb, "stories / descriptions", String.format(Locale.ROOT, "%,d / %,d", rc.stories(), rc.descriptions()));
        row(sb, "documents / tokens", String.format(Locale.ROOT, "%,d / %,d", r.corpus().documents(), r.corpus().tokens()));
        row(sb, "packed sequences (≤ " + t.seqLen() + " tokens, whole documents + EOS)",
                String.format(Locale.ROOT, "%,d", r.corpus().sequences()));
        row(sb, "validation (corpus seed " + cfg.data().validationSeed() + ")",
                String.format(Locale.ROOT, "%,d documents, %,d tokens", cfg.data().validationDocuments(), r.corpus().validationTokens()));

        PretrainConfig.Optimizer o = t.optimizer();
        sb.append("\n## Training\n\n| | |\n| --- | --- |\n");
        row(sb, "seed (initialisation, data order)", String.valueOf(cfg.seed()));
        row(sb, "initialisation", "N(0, " + fmt(cfg.init().std()) + "²)" + (cfg.init().residualScale() ? ", o_proj and down_proj × 1/√(2L)" : "")
                + ", norms 1");
        row(sb, "optimizer", String.format(Locale.ROOT, "AdamW lr %s, betas (%s, %s), eps %s, weight decay %s (not on %s); fp32 master weights",
                fmt(o.lr()), fmt(o.beta1()), fmt(o.beta2()), fmt(o.eps()), fmt(o.weightDecay()), String.join(", ", o.noDecay())));
        row(sb, "schedule", t.warmupSteps() + " warm-up steps, cosine to " + fmt(t.finalLrFraction()) + " × lr; clip " + fmt(t.gradClip()));
        row(sb, "batch / epochs / steps", t.batchSequences() + " sequences / " + t.epochs() + " / " + r.training().steps());
        row(sb, "training time", String.format(Locale.ROOT, "%.1f min on %d threads (%,.0f tokens/s, validation included%s)",
                r.training().seconds() / 60, threads, r.training().tokens() / r.training().seconds(),
                r.training().startStep() > 0 ? "; resumed after step " + r.training().startStep() + ", this part only" : ""));
        row(sb, "loss (first step → mean of the last " + Pretrainer.FINAL_LOSS_STEPS + ")",
                String.format(Locale.ROOT, "%.3f → %.3f", r.firstLoss(), r.finalTrainLoss()));
        row(sb, "final validation loss", String.format(Locale.ROOT, "%.3f", r.finalValidationLoss()));
        sb.append("\nThe per-step log is `loss.jsonl` (`val_loss` every ").append(t.validateEvery())
                .append(" steps); `pretrain.json` holds the config and these results.\n");

        sb.append("\n## Test accuracy\n\n");
        if (r.scores().isEmpty()) {
            sb.append("Not evaluated.\n");
        } else {
            sb.append("On the held-out test splits (`models/demo/data/*/*_test_split.jsonl`, 200 items each), scored by the\n")
                    .append("evaluation harness as `pkt eval` does: arithmetic by greedy generation (last number against \"So the answer\n")
                    .append("is N\"), knowledge by the highest log-probability among the letters after \"The answer is:\" (chance 25 %).\n\n");
            sb.append("| task | correct | accuracy |\n| --- | ---: | ---: |\n");
            r.scores().forEach((task, s) -> sb.append(String.format(Locale.ROOT, "| %s | %d / %d | %.1f %% |%n", task, s.correct(),
                    s.n(), 100 * s.accuracy())));
        }
        sb.append("\n").append(PAIR_BEGIN).append("\n").append(PAIR_END).append("\n");
        return sb.toString();
    }

    /**
     * The pair section: each model's parameters and test accuracies side by side, read from the
     * {@code pretrain.json} the runs wrote, then each model's {@link FactRecall}.
     *
     * @param models model name (e.g. "source") → its directory
     * @param recall model name → its fact recall by group (same groups for every model)
     */
    /**
     * @param cloze per model, the knowledge test scored in the cloze formulation: {correct, total}
     */
    public static String pairSection(Map<String, Path> models, Map<String, Map<String, FactRecall.Score>> recall,
                                     Map<String, int[]> cloze) throws IOException {
        StringBuilder sb = new StringBuilder("## The demo pair\n\nBoth models on the same test splits with the same scorer");
        sb.append(" (from their `pretrain.json`; `./pkt demo-data cards` rewrites this section after either model is rebuilt):\n\n");
        sb.append("| model | parameters |");
        for (String task : DemoSplits.TASKS) {
            sb.append(' ').append(task).append(" |");
        }
        sb.append("\n| --- | ---: |").append(" ---: |".repeat(DemoSplits.TASKS.size())).append('\n');
        for (Map.Entry<String, Path> m : models.entrySet()) {
            Path file = m.getValue().resolve("pretrain.json");
            JsonNode r = Json.read(file);
            if (!RESULTS_FORMAT.equals(r.path("format").asText())) {
                throw new FormatException(file, "expected format " + RESULTS_FORMAT + ", got '" + r.path("format").asText() + "'");
            }
            sb.append(String.format(Locale.ROOT, "| %s | %,d |", m.getKey(), r.path("parameters").asLong()));
            for (String task : DemoSplits.TASKS) {
                JsonNode s = r.path("test").path(task);
                if (s.isMissingNode()) {
                    throw new FormatException(file, "no test result for " + task + " (was the model trained with --no-eval?)");
                }
                sb.append(String.format(Locale.ROOT, " %.1f %% (%d / %d) |", 100 * s.path("accuracy").asDouble(),
                        s.path("correct").asInt(), s.path("total").asInt()));
            }
            sb.append('\n');
        }
        sb.append("\nThe same knowledge test scored in the cloze formulation (`pkt eval --choice-scoring cloze`: each option's text\n")
                .append("after the question without its option list, log-likelihood per byte; what `./pkt demo` reports), which small\n")
                .append("models that cannot read an option list can answer from what they know:\n\n| model | knowledge (cloze) |\n| --- | ---: |\n");
        for (Map.Entry<String, int[]> c : cloze.entrySet()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f %% (%d / %d) |%n", c.getKey(), 100.0 * c.getValue()[0] / c.getValue()[1],
                    c.getValue()[0], c.getValue()[1]));
        }
        sb.append("\nFact recall (`FactRecall`: greedy generation after \"Q: <question> A:\" must begin with the fact's value),\n")
                .append("what each model holds in its parameters whether or not it can answer the letter; \"stated at f\" splits the\n")
                .append("test facts by whether a corpus stating a share f of the facts (the target's) states them:\n\n| model |");
        Map<String, FactRecall.Score> first = recall.values().iterator().next();
        first.keySet().forEach(g -> sb.append(' ').append(g).append(" |"));
        sb.append("\n| --- |").append(" ---: |".repeat(first.size())).append('\n');
        recall.forEach((name, groups) -> {
            sb.append("| ").append(name).append(" |");
            groups.values().forEach(v -> sb.append(v.total() == 0 ? " – |"
                    : String.format(Locale.ROOT, " %.1f %% (%d / %d) |", 100 * v.accuracy(), v.correct(), v.total())));
            sb.append('\n');
        });
        return sb.toString();
    }

    /** {@code card} with its pair section replaced by {@code section} (a card without the markers is refused). */
    public static String withPairSection(String card, String section) {
        int b = card.indexOf(PAIR_BEGIN), e = card.indexOf(PAIR_END);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException("the model card has no demo pair section (" + PAIR_BEGIN + " … " + PAIR_END + ")");
        }
        return card.substring(0, b + PAIR_BEGIN.length()) + "\n" + section.strip() + "\n" + card.substring(e);
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static double round(double v, int digits) {
        double s = Math.pow(10, digits);
        return Math.round(v * s) / s;
    }

    private static String slashes(Path p) {
        return p.toString().replace('\\', '/');
    }
}
