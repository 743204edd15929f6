package org.pkt4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.demo.BpeTrainer;
import org.pkt4j.demo.CorpusRecipe;
import org.pkt4j.demo.DemoCorpus;
import org.pkt4j.demo.DemoSplits;
import org.pkt4j.demo.DemoTokenizer;
import org.pkt4j.demo.DemoWorld;
import org.pkt4j.demo.FactRecall;
import org.pkt4j.demo.ModelCard;
import org.pkt4j.eval.Benchmarks;
import org.pkt4j.eval.EvalProgress;
import org.pkt4j.eval.EvalResult;
import org.pkt4j.eval.Evaluator;
import org.pkt4j.eval.Task;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Makes the demo's own data: the task splits under models/demo/data, the demo tokenizer, and (for inspection)
 * the pretraining corpus. A maintainer's tool, hidden from {@code pkt --help}: users get the committed files.
 */
@Command(name = "demo-data", hidden = true, mixinStandardHelpOptions = true,
        description = "Generate the demo's task splits, tokenizer or corpus (maintainers; the results are committed).",
        subcommands = {DemoDataCommand.Splits.class, DemoDataCommand.Tokenizer.class, DemoDataCommand.Corpus.class,
            DemoDataCommand.Cards.class})
final class DemoDataCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "splits", mixinStandardHelpOptions = true,
            description = "Write the arithmetic and knowledge splits (extract 20, align 80, train 1000, test 200).")
    static final class Splits implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "models/demo/data", paramLabel = "DIR", description = "output directory (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--seed", paramLabel = "S", description = "data seed (default: the committed data's)")
        Long seed;

        @Option(names = "--force", description = "overwrite existing split files")
        boolean force;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            for (Path f : DemoSplits.files()) {
                AtomicFiles.checkWritable(out.resolve(f), force, "--force");
            }
            DemoSplits s = DemoSplits.generate(seed == null ? DemoSplits.DEFAULT_SEED : seed);
            s.write(out);
            spec.commandLine().getOut().println("wrote " + DemoSplits.files().size() + " split files under " + out
                    + " (seed " + s.seed() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "tokenizer", mixinStandardHelpOptions = true,
            description = "Train the demo BPE tokenizer and write tokenizer.json, tokenizer_config.json, special_tokens_map.json.")
    static final class Tokenizer implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "models/demo", paramLabel = "DIR", description = "output directory (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--seed", paramLabel = "S", description = "data seed (default: the committed data's)")
        Long seed;

        @Option(names = "--force", description = "overwrite existing tokenizer files")
        boolean force;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                AtomicFiles.checkWritable(out.resolve(f), force, "--force");
            }
            DemoSplits s = DemoSplits.generate(seed == null ? DemoSplits.DEFAULT_SEED : seed);
            long t0 = System.nanoTime();
            BpeTrainer.Model m = DemoTokenizer.write(s, out);
            spec.commandLine().getOut().printf("wrote %s/tokenizer.json: %d tokens, %d merges (%.1f s)%n",
                    out, m.vocab().size(), m.merges().size(), (System.nanoTime() - t0) / 1e9);
            return ExitCodes.OK;
        }
    }

    @Command(name = "corpus", mixinStandardHelpOptions = true,
            description = "Print pretraining corpus documents as JSONL {\"kind\", \"text\"}, or with --stats a summary.")
    static final class Corpus implements Callable<Integer> {
        @Option(names = "--recipe", defaultValue = "source", paramLabel = "source|target", description = "which training corpus: the recipe of source.pretrain.json or target.pretrain.json (default: ${DEFAULT-VALUE})")
        String recipe;

        @Option(names = "--limit", paramLabel = "N", description = "print only the first N documents")
        Integer limit;

        @Option(names = "--stats", description = "print documents and characters per kind as one JSON object instead")
        boolean stats;

        @Option(names = "--seed", paramLabel = "S", description = "data seed (default: the committed data's)")
        Long seed;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CorpusRecipe r = switch (recipe) {
                case "source" -> CorpusRecipe.source();
                case "target" -> CorpusRecipe.target();
                default -> throw new UsageException("--recipe: expected source or target, got '" + recipe + "'");
            };
            if (limit != null && limit < 0) {
                throw new UsageException("--limit: expected a count >= 0, got " + limit);
            }
            DemoCorpus c = DemoCorpus.of(DemoSplits.generate(seed == null ? DemoSplits.DEFAULT_SEED : seed), r);
            int n = limit == null ? c.size() : Math.min(limit, c.size());
            PrintWriter out = spec.commandLine().getOut();
            Map<String, long[]> perKind = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String text = c.document(i);
                if (stats) {
                    long[] v = perKind.computeIfAbsent(c.kind(i).name().toLowerCase(Locale.ROOT), k -> new long[2]);
                    v[0]++;
                    v[1] += text.length();
                } else {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("kind", c.kind(i).name().toLowerCase(Locale.ROOT));
                    doc.put("text", text);
                    out.println(Json.writeLine(doc));
                }
            }
            if (stats) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("recipe", r);
                o.put("documents", n);
                Map<String, Object> kinds = new LinkedHashMap<>();
                perKind.forEach((k, v) -> {
                    Map<String, Object> kv = new LinkedHashMap<>();
                    kv.put("documents", v[0]);
                    kv.put("characters", v[1]);
                    kinds.put(k, kv);
                });
                o.put("kinds", kinds);
                out.println(Json.writeLine(o));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "cards", mixinStandardHelpOptions = true,
            description = {"Write the demo pair section into both model cards: their test accuracies (from pretrain.json)",
                "and their fact recall (measured here)."})
    static final class Cards implements Callable<Integer> {
        @Option(names = "--source", defaultValue = "models/demo/source", paramLabel = "DIR", description = "source model (default: ${DEFAULT-VALUE})")
        Path source;

        @Option(names = "--target", defaultValue = "models/demo/target", paramLabel = "DIR", description = "target model (default: ${DEFAULT-VALUE})")
        Path target;

        @Option(names = "--data", defaultValue = "models/demo/data", paramLabel = "DIR",
                description = "the demo splits, for the cloze-scored knowledge test (default: ${DEFAULT-VALUE})")
        Path data;

        @Mixin
        Threads threads;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Path> models = new LinkedHashMap<>();
            models.put("source", source);
            models.put("target", target);
            // the groups split the test facts by what the target's corpus states
            JsonNode targetConfig = Json.read(target.resolve("pretrain.json")).path("config");
            double fraction = targetConfig.path("data").path("corpus").path("fact_fraction").asDouble();
            DemoWorld world = DemoSplits.generate(targetConfig.path("data").path("data_seed").asLong()).world();
            Map<String, Map<String, FactRecall.Score>> recall = new LinkedHashMap<>();
            Map<String, int[]> cloze = new LinkedHashMap<>();
            Path knowledgeTest = data.resolve("knowledge").resolve("knowledge_test_split.jsonl");
            try (ExecutionContext ctx = threads.context()) {
                for (Map.Entry<String, Path> m : models.entrySet()) {
                    Llama llama = Llama.open(m.getValue());
                    var tok = Tokenizers.load(m.getValue());
                    recall.put(m.getKey(), FactRecall.measure(llama, tok, world, fraction, ctx));
                    EvalResult r = new Evaluator(llama, Adapters.NONE, tok, ctx).evaluate(Task.KNOWLEDGE,
                            Benchmarks.load(Task.KNOWLEDGE, knowledgeTest, 0).examples(),
                            new Evaluator.Options(0, null, Evaluator.ChoiceScoring.CLOZE),
                            EvalProgress.NONE);
                    cloze.put(m.getKey(), new int[] {r.correct(), r.n()});
                }
            }
            String section = ModelCard.pairSection(models, recall, cloze);
            Map<Path, String> cards = new LinkedHashMap<>();
            for (Path dir : models.values()) {
                Path card = dir.resolve("README.md");
                try {
                    cards.put(card, ModelCard.withPairSection(Files.readString(card), section));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(card, e.getMessage());
                }
            }
            for (Map.Entry<Path, String> e : cards.entrySet()) {
                AtomicFiles.writeString(e.getKey(), e.getValue());
            }
            spec.commandLine().getOut().print(section);
            return ExitCodes.OK;
        }
    }
}
