package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.Ops;
import org.pkt4j.testing.Fixtures;

/**
 * The whole pipeline (prompt -> model -> extraction -> scoring -> results.json) on a tiny random model with
 * a character-level tokenizer, checked against independent computations: plain {@link Generator} greedy
 * decoding for generated answers, a fresh full forward per letter for log-probabilities, and scripted models
 * (a fixed successor per token) whose replies are known, for the stops at EOS, a complete answer and a
 * closing code fence.
 */
class EvaluatorTest {
    private static final Path SOURCE = Path.of("in-memory.jsonl");

    @TempDir
    Path tmp;

    private static Llama model(CharTokenizer tok, long seed) {
        return RandomLlama.create(RandomLlama.config(32, 2, 4, 2, 48, tok.vocabSize()), seed, DType.F32, 0.3);
    }

    /** A model that can only say digits: every LM-head row but the digits' is zero. */
    private static Llama digitModel(CharTokenizer tok) {
        Llama m = model(tok, 11);
        Tensor head = m.lmHead();
        int d = m.config().hiddenSize();
        for (int v = 0; v < tok.vocabSize(); v++) {
            if (!Character.isDigit(tok.piece(v).charAt(0)) || tok.piece(v).length() != 1) {
                for (int j = 0; j < d; j++) {
                    head.setFloat((long) v * d + j, 0f);
                }
            }
        }
        return m;
    }

    /**
     * A model whose greedy continuation follows a fixed table from the last token: one-hot embeddings,
     * attention and MLP outputs zero (so the residual stream stays the embedding), and an LM head that maps
     * each token's piece to its successor's ({@code next}; EOS for pieces not in the table).
     */
    private static Llama scriptedModel(CharTokenizer tok, Map<String, String> next) {
        int V = tok.vocabSize();
        int d = 128;
        assertThat(V).as("one-hot embeddings need d >= vocab").isLessThanOrEqualTo(d);
        LlamaConfig c = RandomLlama.config(d, 1, 4, 4, 8, V);
        Map<String, Tensor> t = RandomLlama.tensors(c, 1, DType.F32, 0.1);
        for (Map.Entry<String, Tensor> e : t.entrySet()) {
            Tensor x = e.getValue();
            boolean norm = e.getKey().endsWith("norm.weight");
            for (long i = 0; i < x.numel(); i++) {
                x.setFloat(i, norm ? 1f : 0f);
            }
        }
        Tensor embed = t.get("model.embed_tokens.weight");
        Tensor head = t.get("lm_head.weight");
        for (int v = 0; v < V; v++) {
            embed.setFloat((long) v * d + v, 1f);
            String succ = next.get(tok.piece(v));
            int to = succ == null ? CharTokenizer.EOS : tok.pieceId(succ);
            head.setFloat((long) to * d + v, 1f);
        }
        return Llama.of(c, t);
    }

    @Test
    void generationStopsAtEos() throws IOException {
        CharTokenizer tok = new CharTokenizer(false);
        Llama m = scriptedModel(tok, Map.of(":", "4", "4", "2"));
        List<EvalExample> ex = Benchmarks.fromChat(Task.GSM8K, List.of(chat(1, "a", "What is 6*7?", "So the answer is 42."),
                chat(2, "a", "What is 6*8?", "So the answer is 48.")), SOURCE, 0);
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.GSM8K, ex, Evaluator.Options.defaults(), EvalProgress.NONE);
        for (ExampleRecord rec : r.records()) {
            assertThat(rec.output()).isEqualTo("42");
            assertThat(rec.stop()).isEqualTo("eos");
            assertThat(rec.generatedTokens()).isEqualTo(2);
            assertThat(rec.extracted()).isEqualTo("42");
        }
        assertThat(r.records().stream().map(ExampleRecord::correct)).containsExactly(true, false);
        assertThat(r.generatedTokens()).isEqualTo(4);
    }

    @Test
    void generationStopsOnceTheAnswerIsComplete() throws IOException {
        CharTokenizer tok = new CharTokenizer(List.of(" So the answer is", " 7"));
        // after "Answer:" the model says " So the answer is 7." then a newline, then would go on with "Z"s
        Llama m = scriptedModel(tok, Map.of(":", " So the answer is", " So the answer is", " 7", " 7", ".", ".", "\n", "\n", "Z", "Z", "Z"));
        List<EvalExample> ex = Benchmarks.fromChat(Task.ARITHMETIC, List.of(chat(1, "a", "What is 3+4?", "So the answer is 7.")), SOURCE, 0);
        ExampleRecord rec = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.ARITHMETIC, ex, Evaluator.Options.defaults(), EvalProgress.NONE).records().getFirst();
        assertThat(rec.output()).isEqualTo(" So the answer is 7.\n");
        assertThat(rec.stop()).isEqualTo("answer");
        assertThat(rec.generatedTokens()).isEqualTo(4);
        assertThat(rec.correct()).isTrue();
    }

    private static ChatRecord chat(int line, String category, String user, String assistant) {
        return new ChatRecord(List.of(new ChatRecord.Message("user", user), new ChatRecord.Message("assistant", assistant)),
                Map.of("id", "ex" + line, "category", category), line);
    }

    @Test
    void numberTaskMatchesPlainGreedyDecodingAndScoresTheLastNumber() throws IOException {
        CharTokenizer tok = new CharTokenizer(false);
        Llama m = digitModel(tok);
        int maxNew = 12;
        String[] questions = {"What is 2+3?", "Tom has 4 apples and eats 1. How many are left?", "What is 10 times 7?"};
        String[] reference = new String[questions.length];
        List<ChatRecord> recs = new ArrayList<>();
        for (int i = 0; i < questions.length; i++) {
            String user = Benchmarks.NUMBER_USER + questions[i];
            String prompt = Benchmarks.userTurn(user) + "Answer:";
            int[] gen = new Generator(new LlamaForward(m, ExecutionContext.singleThreaded()))
                    .generate(tok.encode(prompt), maxNew, Sampler.greedy(), true, id -> { });
            reference[i] = tok.decode(gen);
            BigDecimal said = Answers.lastNumber(reference[i]).orElseThrow();
            // examples 0 and 2 expect what the model says, example 1 something else
            String expected = Answers.format(i == 1 ? said.add(BigDecimal.ONE) : said);
            recs.add(chat(i + 1, "arith", user, "Answer: work. So the answer is " + expected + "."));
        }
        List<EvalExample> ex = Benchmarks.fromChat(Task.ARITHMETIC, recs, SOURCE, 0);
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.ARITHMETIC, ex, new Evaluator.Options(maxNew, null), EvalProgress.NONE);
        assertThat(r.n()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            ExampleRecord rec = r.records().get(i);
            assertThat(rec.output()).isEqualTo(reference[i]);
            assertThat(rec.generatedTokens()).isEqualTo(maxNew);
            assertThat(rec.stop()).isEqualTo("length");
            assertThat(rec.extracted()).isEqualTo(Answers.format(Answers.lastNumber(reference[i]).orElseThrow()));
            assertThat(rec.correct()).isEqualTo(i != 1);
        }
        assertThat(r.correct()).isEqualTo(2);
        assertThat(r.accuracy()).isEqualTo(2.0 / 3);
        assertThat(r.generatedTokens()).isEqualTo(3L * maxNew);
    }

    @Test
    void choiceScoresEqualAFreshForwardWithOneTokenLetters() throws IOException {
        checkChoice(new CharTokenizer(true), 1);
    }

    @Test
    void choiceScoresEqualAFreshForwardWithTwoTokenLetters() throws IOException {
        checkChoice(new CharTokenizer(false), 2);
    }

    private void checkChoice(CharTokenizer tok, int continuationTokens) throws IOException {
        Llama m = model(tok, 5);
        List<EvalExample> ex = Benchmarks.fromChat(Task.KNOWLEDGE, choiceRecords(24, 3), SOURCE, 2);
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.KNOWLEDGE, ex, Evaluator.Options.defaults(), EvalProgress.NONE);
        LlamaForward fresh = new LlamaForward(m, ExecutionContext.singleThreaded());
        int V = m.config().vocabSize();
        int correct = 0;
        for (int i = 0; i < ex.size(); i++) {
            ExampleRecord rec = r.records().get(i);
            int[] ctx = tok.encode(ex.get(i).prompt());
            String best = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (char letter : "ABCD".toCharArray()) {
                int[] full = tok.encode(ex.get(i).prompt() + " " + letter);
                assertThat(full.length - ctx.length).isEqualTo(continuationTokens);
                float[] logits = fresh.logits(full);
                double score = 0;
                for (int t = ctx.length; t < full.length; t++) {
                    score += logits[(t - 1) * V + full[t]] - Ops.logSumExp(logits, (t - 1) * V, V);
                }
                assertThat(rec.letterLogProbs().get(String.valueOf(letter))).as("%s %c", rec.id(), letter)
                        .isCloseTo(score, org.assertj.core.data.Offset.offset(1e-4 + 1e-5 * Math.abs(score)));
                if (score > bestScore) {
                    bestScore = score;
                    best = String.valueOf(letter);
                }
            }
            assertThat(rec.extracted()).isEqualTo(best);
            assertThat(rec.correct()).isEqualTo(best.equals(ex.get(i).expected()));
            correct += rec.correct() ? 1 : 0;
        }
        assertThat(r.correct()).isEqualTo(correct);
        assertThat(r.accuracy()).isEqualTo((double) correct / ex.size());
        assertThat(r.perSubject()).containsOnlyKeys("cat0", "cat1", "cat2");
        double macro = r.perSubject().values().stream().mapToDouble(EvalResult.SubjectScore::accuracy).average().orElseThrow();
        assertThat(r.macroAccuracy()).isCloseTo(macro, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(r.reusedTokens()).as("shared few-shot prefixes reuse the KV cache").isPositive();
        assertThat(r.notes()).anyMatch(n -> n.startsWith("letter continuations"));
    }

    @Test
    void recordsDoNotDependOnTheNumberOfThreads() throws IOException {
        CharTokenizer tok = new CharTokenizer(true);
        Llama m = model(tok, 9);
        List<EvalExample> mc = Benchmarks.fromChat(Task.KNOWLEDGE, choiceRecords(24, 2), SOURCE, 1);
        List<ChatRecord> gsm = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gsm.add(chat(i + 1, "arith", Benchmarks.NUMBER_USER + "What is " + i + " plus " + (2 * i) + "?", "So the answer is " + 3 * i + "."));
        }
        List<EvalExample> num = Benchmarks.fromChat(Task.GSM8K, gsm, SOURCE, 0);
        try (ExecutionContext two = ExecutionContext.of(2)) {
            for (var c : List.of(Map.entry(Task.KNOWLEDGE, mc), Map.entry(Task.GSM8K, num))) {
                Evaluator.Options o = new Evaluator.Options(10, null);
                EvalResult one = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded()).evaluate(c.getKey(), c.getValue(), o, EvalProgress.NONE);
                List<int[]> seen = new ArrayList<>();
                EvalResult par = new Evaluator(m, Adapters.NONE, tok, two).evaluate(c.getKey(), c.getValue(), o,
                        (done, total, ok, s) -> seen.add(new int[] {done, total}));
                // identical decisions; log-probabilities equal up to float rounding (the JIT may sum vector lanes in
                // another order once it compiles a kernel, so bit equality across two runs is not guaranteed)
                assertThat(par.records()).hasSameSizeAs(one.records());
                for (int i = 0; i < one.records().size(); i++) {
                    ExampleRecord a = one.records().get(i), b = par.records().get(i);
                    assertThat(b).usingRecursiveComparison().ignoringFields("letterLogProbs").isEqualTo(a);
                    if (a.letterLogProbs() != null) {
                        assertThat(b.letterLogProbs()).containsOnlyKeys(a.letterLogProbs().keySet());
                        a.letterLogProbs().forEach((k, v) -> assertThat(b.letterLogProbs().get(k)).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-4)));
                    }
                }
                assertThat(seen).hasSize(c.getValue().size());
                assertThat(seen.getLast()).containsExactly(c.getValue().size(), c.getValue().size());
            }
        }
    }

    @Test
    void longPromptsKeepTheirEndWithinTheContext() throws IOException {
        CharTokenizer tok = new CharTokenizer(false);
        LlamaConfig c = RandomLlama.config(32, 2, 4, 2, 48, tok.vocabSize());
        LlamaConfig small = new LlamaConfig(c.modelType(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.rmsNormEps(), c.rope(), c.tieWordEmbeddings(), c.qkvBias(), c.oBias(), c.mlpBias(),
                c.bosTokenId(), c.eosTokenIds(), 64, 0, c.dtype());
        Llama m = Llama.of(small, RandomLlama.tensors(small, 3, DType.F32, 0.3));
        List<EvalExample> ex = Benchmarks.fromChat(Task.GSM8K, List.of(chat(1, "a", "short?", "So the answer is 1."),
                chat(2, "a", "long ".repeat(40) + "?", "So the answer is 2.")), SOURCE, 0);
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.GSM8K, ex, new Evaluator.Options(8, null), EvalProgress.NONE);
        assertThat(r.records().get(0).promptTruncated()).isFalse();
        assertThat(r.records().get(1).promptTruncated()).isTrue();
        assertThat(r.records().get(1).promptTokens()).isEqualTo(64 - 8);
        assertThat(r.truncatedPrompts()).isEqualTo(1);
        assertThatThrownBy(() -> new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.GSM8K, ex, new Evaluator.Options(64, null), EvalProgress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--max-new-tokens");
    }

    @Test
    void codeTasksRunGeneratedCodeInTheSandboxOrAreSkippedWithout() throws IOException {
        CharTokenizer tok = new CharTokenizer(false);
        Llama m = model(tok, 4);
        List<EvalExample> ex = Benchmarks.load(Task.HUMANEVAL, Fixtures.data().resolve("benchmarks/humaneval/HumanEval.jsonl"), 0)
                .examples().subList(0, 2);
        Evaluator ev = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded());
        EvalResult none = ev.evaluate(Task.HUMANEVAL, ex, Evaluator.Options.defaults(), EvalProgress.NONE);
        assertThat(none.isSkipped()).isTrue();
        Path root = Files.createTempDirectory(Path.of("/tmp"), "pkt4j-eval-test-");
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            assertThat(ev.evaluate(Task.HUMANEVAL, ex, new Evaluator.Options(0, Sandbox.detect(Sandbox.Limits.defaults(), root, "/nonexistent")),
                    EvalProgress.NONE).skipped()).contains("python3 not found");
            Sandbox sandbox = Sandbox.detect(Sandbox.Limits.defaults(), root, System.getenv("PATH"));
            assumeThat(sandbox.available()).as("python3 needed").isTrue();
            EvalResult r = ev.evaluate(Task.HUMANEVAL, ex, new Evaluator.Options(8, sandbox), EvalProgress.NONE);
            for (int i = 0; i < 2; i++) {
                ExampleRecord rec = r.records().get(i);
                assertThat(rec.generatedTokens()).isBetween(1, 8);
                assertThat(rec.extracted()).isEqualTo(ex.get(i).code().extractCode(Answers.CODE_REPLY_PREFIX + rec.output()));
                // eight random characters cannot pass HumanEval's tests
                assertThat(rec.execution()).isEqualTo("FAILED");
                assertThat(rec.correct()).isFalse();
                assertThat(rec.error()).as("%s", rec).isNotBlank();
            }
            assertThat(r.metric()).isEqualTo("pass@1");
            assertThat(r.accuracy()).isZero();
            assertThat(r.notes()).anyMatch(n -> n.startsWith("sandbox (") && n.contains("wall-clock limit"));
            // generation stops when the code fence closes; the fenced code is what runs
            Llama fence = scriptedModel(tok, Map.of("\n", "x", "x", "`", "`", "`"));
            ExampleRecord f = new Evaluator(fence, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                    .evaluate(Task.HUMANEVAL, ex.subList(0, 1), new Evaluator.Options(0, sandbox), EvalProgress.NONE).records().getFirst();
            assertThat(f.output()).isEqualTo("x```");
            assertThat(f.stop()).isEqualTo("fence");
            assertThat(f.extracted()).isEqualTo("x");
            assertThat(f.execution()).isEqualTo("FAILED");
            assertThat(f.error()).contains("NameError");
        } finally {
            AtomicFiles.deleteRecursively(root);
        }
    }

    @Test
    void resultsJsonIsVersionedAtomicAndRefusesToOverwrite() throws IOException {
        CharTokenizer tok = new CharTokenizer(true);
        Llama m = model(tok, 2);
        List<EvalExample> ex = Benchmarks.fromChat(Task.KNOWLEDGE, choiceRecords(6, 2), SOURCE, 0);
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.KNOWLEDGE, ex, Evaluator.Options.defaults(), EvalProgress.NONE);
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("limit", 0);
        ResultsJson.RunInfo info = new ResultsJson.RunInfo(Path.of("model"), SOURCE, "abc", 42, opts, List.of("note"));
        Path out = tmp.resolve("results.json");
        ResultsJson.write(out, false, r, info);
        JsonNode doc = Json.read(out);
        assertThat(doc.get("format").asText()).isEqualTo("pkt4j.eval/1");
        JsonNode s = doc.get("summary");
        assertThat(s.get("task").asText()).isEqualTo("knowledge");
        assertThat(s.get("n").asInt()).isEqualTo(6);
        assertThat(s.get("accuracy").asDouble()).isEqualTo(r.accuracy());
        assertThat(s.get("macro_accuracy").asDouble()).isEqualTo(r.macroAccuracy());
        assertThat(s.get("per_subject").size()).isEqualTo(2);
        assertThat(s.get("seed").asLong()).isEqualTo(42);
        assertThat(s.get("data_sha256").asText()).isEqualTo("abc");
        assertThat(s.get("examples_per_second").asDouble()).isPositive();
        assertThat(s.get("notes").get(0).asText()).isEqualTo("note");
        JsonNode rec = doc.get("records").get(3);
        assertThat(rec.get("id").asText()).isEqualTo("ex4");
        assertThat(rec.get("prompt").asText()).isEqualTo(ex.get(3).prompt());
        assertThat(rec.get("expected").asText()).isEqualTo(ex.get(3).expected());
        assertThat(rec.get("letter_logprobs").size()).isEqualTo(4);
        assertThat(rec.get("correct").asBoolean()).isEqualTo(r.records().get(3).correct());
        assertThatThrownBy(() -> ResultsJson.write(out, false, r, info)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("--force");
        ResultsJson.write(out, true, r, info);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("results.json");
        }
    }

    /**
     * Cloze scoring: the prompt is the question without its options or chat markers (with shots in the same form),
     * and each option's text is scored by its log-likelihood per byte, checked against a fresh full forward.
     */
    @Test
    void clozeScoresEachOptionTextPerByteAfterTheBareQuestion() throws IOException {
        CharTokenizer tok = new CharTokenizer(true);
        Llama m = model(tok, 6);
        List<ChatRecord> records = choiceRecords(12, 2);
        List<EvalExample> ex = Benchmarks.fromChat(Task.KNOWLEDGE, records, SOURCE, 1);
        EvalExample first = ex.getFirst();
        assertThat(first.cloze().prompt()).doesNotContain("<|user|>").doesNotContain("\nA. ")
                .startsWith("The following are multiple choice questions (with answers) about cat0.\n\n")
                .endsWith("Which value is number 0?\nAnswer:");
        // the one shot is the next question of the subject, answered with its correct option's text
        String shotUser = records.get(2).messages().getFirst().content();
        String shotAnswer = records.get(2).last().content().substring("The answer is: ".length());
        String shotText = shotUser.split("\n" + shotAnswer + "\\. ")[1].split("\n")[0];
        assertThat(first.cloze().prompt()).contains("Which value is number 2?\nAnswer: " + shotText + "\n\n");

        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.KNOWLEDGE, ex, new Evaluator.Options(0, null, Evaluator.ChoiceScoring.CLOZE), EvalProgress.NONE);
        LlamaForward fresh = new LlamaForward(m, ExecutionContext.singleThreaded());
        int V = m.config().vocabSize();
        for (int i = 0; i < ex.size(); i++) {
            EvalExample e = ex.get(i);
            int[] ctx = tok.encode(e.cloze().prompt());
            String best = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 4; c++) {
                String text = " " + e.cloze().choices().get(c);
                int[] full = tok.encode(e.cloze().prompt() + text);
                float[] logits = fresh.logits(full);
                double score = 0;
                for (int t = ctx.length; t < full.length; t++) {
                    score += logits[(t - 1) * V + full[t]] - Ops.logSumExp(logits, (t - 1) * V, V);
                }
                score /= text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                String letter = String.valueOf("ABCD".charAt(c));
                assertThat(r.records().get(i).letterLogProbs().get(letter)).isCloseTo(score, org.assertj.core.data.Offset.offset(1e-5));
                if (score > bestScore) {
                    bestScore = score;
                    best = letter;
                }
            }
            assertThat(r.records().get(i).extracted()).isEqualTo(best);
        }
        assertThat(r.notes()).anyMatch(n -> n.contains("cloze scoring"));
    }

    /** Multiple-choice records in the mmlu split's layout, in {@code categories} categories, seeded answers. */
    private static List<ChatRecord> choiceRecords(int n, int categories) {
        SplittableRandom rng = new SplittableRandom(n * 31L + categories);
        List<ChatRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String cat = "cat" + (i % categories);
            String user = "The following are multiple choice questions (with answers) about " + cat + ".\n\n"
                    + "Which value is number " + i + "?\nA. " + rng.nextInt(100) + "\nB. " + rng.nextInt(100)
                    + "\nC. " + rng.nextInt(100) + "\nD. " + rng.nextInt(100) + "\nAnswer:";
            out.add(chat(i + 1, cat, user, "The answer is: " + "ABCD".charAt(rng.nextInt(4))));
        }
        return out;
    }

    @Test
    void emptyExampleListIsACallersMistake() {
        CharTokenizer tok = new CharTokenizer(true);
        assertThatThrownBy(() -> new Evaluator(model(tok, 1), Adapters.NONE, tok, ExecutionContext.singleThreaded())
                .evaluate(Task.MMLU, List.of(), Evaluator.Options.defaults(), EvalProgress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no examples");
        assertThat(Arrays.stream(Task.values()).map(Task::cliName)).containsExactly("gsm8k", "mmlu", "humaneval", "mbpp", "arithmetic", "knowledge");
        assertThatThrownBy(() -> Task.parse("gsm9k")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown task 'gsm9k' (expected one of: gsm8k, mmlu, humaneval, mbpp, arithmetic, knowledge)");
    }
}
