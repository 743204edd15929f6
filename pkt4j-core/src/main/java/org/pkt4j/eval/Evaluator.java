package org.pkt4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.kernel.Ops;

/**
 * Evaluates a model (optionally with adapters: deltas, LoRA) on a task's examples and scores every reply.
 *
 * <p>How each kind is answered: NUMBER and CODE tasks generate greedily (argmax) from the prompt until EOS,
 * the token budget, the start of a new chat turn, or — for NUMBER tasks — a complete "the answer is N",
 * for CODE tasks the closing code fence. CHOICE tasks generate nothing: for each letter X the continuation
 * is the tokens that {@code encode(prompt + " " + X)} adds to {@code encode(prompt)} — one token "▁X" with a
 * SentencePiece vocabulary, "ĠX" (space+X) with a byte-level one — and the score is log P(continuation |
 * prompt); when every letter is one token after an unchanged prompt this is the standard comparison of the
 * next-token log-probabilities of the four letters at the answer position (one forward per question), else
 * each letter's tokens are scored in turn. The highest score (first on a tie) is the answer.
 *
 * <p>Speed: examples run concurrently, one per thread, through {@link ExecutionContext#parallelFor} (the
 * kernels' own parallel loops then run inline on that thread, which is what small models want). Examples are
 * cut into fixed groups that depend only on their count; within a group, consecutive prompts reuse the
 * cached keys and values of their common token prefix (see {@link ModelSession}). Since groups never share a
 * cache, the records do not depend on the number of threads.
 *
 * <p>Prompts are tokenized without BOS, as the training data is (PKT-SPEC §1). A prompt longer than the
 * model's context keeps its end; the record says so. The tokenizer is only called from the calling thread
 * or under its lock, so an implementation need not be thread-safe.
 */
public final class Evaluator {
    private static final int MAX_GROUP = 16;
    private static final int ERROR_TAIL = 2000;

    private final LlamaForward forward;
    private final Adapters adapters;
    private final Tokenizer tokenizer;
    private final ExecutionContext ctx;
    private final LlamaConfig config;

    public Evaluator(Llama model, Adapters adapters, Tokenizer tokenizer, ExecutionContext ctx) {
        this.forward = new LlamaForward(model, ctx);
        this.adapters = adapters;
        this.tokenizer = tokenizer;
        this.ctx = ctx;
        this.config = model.config();
    }

    /** How CHOICE tasks are scored. */
    public enum ChoiceScoring {
        /** The standard MMLU comparison: log-probabilities of the letters A-D after the prompt with its option list. */
        LETTER,
        /**
         * The cloze formulation for models too small to read an option list: each option's text scored as the
         * continuation of the question without options or chat markers, normalised by its length in bytes
         * (lm-evaluation-harness's acc_norm).
         */
        CLOZE
    }

    /** Run options. */
    public record Options(int maxNewTokens, Sandbox sandbox, ChoiceScoring choices) {
        public Options {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("--max-new-tokens: expected >= 0 (0 = the task's default), got " + maxNewTokens);
            }
        }

        /** Letters for CHOICE tasks. */
        public Options(int maxNewTokens, Sandbox sandbox) {
            this(maxNewTokens, sandbox, ChoiceScoring.LETTER);
        }

        /** The task's default budget; no sandbox (code tasks are then skipped). */
        public static Options defaults() {
            return new Options(0, null);
        }
    }

    /** Tokenized input of one example; {@code cloze}: the continuations are option texts, scored per byte. */
    private record Prepared(int[] prompt, int[][] continuations, int[][] contexts, boolean truncated, boolean cloze) {
    }

    /**
     * Evaluates {@code task} on {@code examples}. Code tasks need an available sandbox in {@code options};
     * without one the result is {@link EvalResult#isSkipped() skipped} with the reason.
     */
    public EvalResult evaluate(Task task, List<EvalExample> examples, Options options, EvalProgress progress) throws IOException {
        if (task.kind() == Task.Kind.CODE && (options.sandbox() == null || !options.sandbox().available())) {
            return EvalResult.skipped(task, options.sandbox() == null ? "no sandbox given for a code task" : options.sandbox().unavailableReason());
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate for " + task.cliName());
        }
        long t0 = System.nanoTime();
        int maxNew = options.maxNewTokens() > 0 ? options.maxNewTokens() : task.defaultMaxNewTokens();
        int n = examples.size();
        Prepared[] prepared = new Prepared[n];
        int capacity = 1;
        for (int i = 0; i < n; i++) {
            prepared[i] = prepare(task, examples.get(i), maxNew, options.choices());
            capacity = Math.max(capacity, need(prepared[i], maxNew));
        }
        int groupSize = Math.clamp((n + 15) / 16, 1, MAX_GROUP);
        int groups = (n + groupSize - 1) / groupSize;
        ExampleRecord[] records = new ExampleRecord[n];
        long[] reused = new long[1];
        int[] done = new int[2];
        final int cap = capacity;
        try {
            ctx.parallelFor(groups, 1, (from, to) -> {
                ModelSession session = new ModelSession(forward, adapters, cap);
                for (int g = from; g < to; g++) {
                    session.reset();
                    for (int i = g * groupSize; i < Math.min(n, (g + 1) * groupSize); i++) {
                        records[i] = run(task, examples.get(i), prepared[i], session, maxNew, options.sandbox());
                        synchronized (done) {
                            done[0]++;
                            done[1] += records[i].correct() ? 1 : 0;
                            progress.update(done[0], n, done[1], (System.nanoTime() - t0) / 1e9);
                        }
                    }
                }
                synchronized (reused) {
                    reused[0] += session.reusedTokens();
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return summarize(task, List.of(records), prepared, reused[0], seconds, notes(task, prepared, options));
    }

    private Prepared prepare(Task task, EvalExample ex, int maxNew, ChoiceScoring scoring) {
        boolean cloze = task.kind() == Task.Kind.CHOICE && scoring == ChoiceScoring.CLOZE;
        if (cloze && ex.cloze() == null) {
            throw new IllegalArgumentException("example " + ex.id() + ": its options cannot be read back for cloze scoring");
        }
        String promptText = cloze ? ex.cloze().prompt() : ex.prompt();
        int[] ids = tokenizer.encode(promptText);
        int[][] continuations = null;
        int[][] contexts = null;
        int budget = maxNew;
        if (task.kind() == Task.Kind.CHOICE) {
            continuations = new int[4][];
            contexts = new int[4][];
            budget = 0;
            for (int c = 0; c < 4; c++) {
                String answer = cloze ? ex.cloze().choices().get(c) : String.valueOf(MultipleChoice.LETTERS.charAt(c));
                int[] full = tokenizer.encode(promptText + " " + answer);
                int p = commonPrefix(full, ids);
                if (p == full.length || p == 0) {
                    throw new IllegalStateException("the tokenizer does not split the prompt of " + ex.id() + " from the answer "
                            + answer + " after it (shared prefix " + p + " of " + full.length + " tokens)");
                }
                contexts[c] = Arrays.copyOf(full, p);
                continuations[c] = Arrays.copyOfRange(full, p, full.length);
                budget = Math.max(budget, full.length - ids.length);
            }
        }
        int max = config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings() : Integer.MAX_VALUE;
        int room = max - Math.max(budget, 1);
        if (ids.length <= room) {
            return new Prepared(ids, continuations, contexts, false, cloze);
        }
        if (room < 1) {
            throw new IllegalArgumentException("the model's context of " + max + " positions leaves no room for a prompt after "
                    + budget + " new tokens; lower --max-new-tokens");
        }
        int cut = ids.length - room;
        if (continuations != null) {
            for (int c = 0; c < 4; c++) {
                contexts[c] = Arrays.copyOfRange(contexts[c], Math.min(cut, contexts[c].length - 1), contexts[c].length);
            }
        }
        return new Prepared(Arrays.copyOfRange(ids, cut, ids.length), continuations, contexts, true, cloze);
    }

    private static int need(Prepared p, int maxNew) {
        if (p.continuations() == null) {
            return p.prompt().length + maxNew;
        }
        int m = p.prompt().length;
        for (int c = 0; c < 4; c++) {
            m = Math.max(m, p.contexts()[c].length + p.continuations()[c].length);
        }
        return m;
    }

    private ExampleRecord run(Task task, EvalExample ex, Prepared p, ModelSession session, int maxNew, Sandbox sandbox) {
        return switch (task.kind()) {
            case CHOICE -> choose(ex, p, session);
            case NUMBER -> {
                Generation g = generate(p.prompt(), session, maxNew, Answers::answerComplete, "answer");
                Optional<BigDecimal> got = Answers.lastNumber(g.text());
                BigDecimal want = Answers.lastNumber(ex.expected()).orElseThrow(
                        () -> new IllegalArgumentException("example " + ex.id() + ": expected answer '" + ex.expected() + "' is not a number"));
                boolean ok = got.isPresent() && Answers.sameNumber(got.get(), want);
                yield new ExampleRecord(ex.id(), ex.subject(), ex.line(), ex.prompt(), g.text(), got.map(Answers::format).orElse(null),
                        ex.expected(), ok, null, null, null, p.prompt().length, g.tokens(), g.stop(), p.truncated());
            }
            case CODE -> {
                Generation g = generate(p.prompt(), session, maxNew, out -> out.contains("```"), "fence");
                String code = ex.code().extractCode(ex.replyPrefix() + g.text());
                Sandbox.Execution e;
                try {
                    e = sandbox.run(ex.code().program(code));
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
                String err = e.passed() ? null : !e.stderr().isBlank() ? tail(e.stderr()) : !e.stdout().isBlank() ? tail(e.stdout())
                        : "exit status " + e.exitCode() + " after " + String.format("%.1f s", e.seconds()) + ", no output";
                yield new ExampleRecord(ex.id(), ex.subject(), ex.line(), ex.prompt(), g.text(), code, null, e.passed(),
                        e.status().name(), err, null, p.prompt().length, g.tokens(), g.stop(), p.truncated());
            }
        };
    }

    /** log P(continuation | context) for each letter; the argmax is the answer. */
    private ExampleRecord choose(EvalExample ex, Prepared p, ModelSession session) {
        int V = config.vocabSize();
        double[] score = new double[4];
        boolean oneStep = true;
        for (int c = 0; c < 4; c++) {
            oneStep &= p.continuations()[c].length == 1 && Arrays.equals(p.contexts()[c], p.prompt());
        }
        if (oneStep) {
            // the standard case: the four letters' next-token log-probabilities at the answer position
            float[] logits = session.prefill(p.prompt());
            double lse = Ops.logSumExp(logits, 0, V);
            for (int c = 0; c < 4; c++) {
                score[c] = logits[p.continuations()[c][0]] - lse;
            }
        } else {
            for (int c = 0; c < 4; c++) {
                int[] cont = p.continuations()[c];
                float[] logits = session.prefill(p.contexts()[c]);
                for (int j = 0; j < cont.length; j++) {
                    score[c] += logits[cont[j]] - Ops.logSumExp(logits, 0, V);
                    if (j + 1 < cont.length) {
                        logits = session.step(cont[j]);
                    }
                }
            }
        }
        if (p.cloze()) {
            // acc_norm: log-likelihood per byte of " " + option text, so that long names are not penalised
            for (int c = 0; c < 4; c++) {
                score[c] /= (" " + ex.cloze().choices().get(c)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
        }
        int best = 0;
        Map<String, Double> lp = new LinkedHashMap<>();
        for (int c = 0; c < 4; c++) {
            lp.put(String.valueOf(MultipleChoice.LETTERS.charAt(c)), score[c]);
            if (score[c] > score[best]) {
                best = c;
            }
        }
        String letter = String.valueOf(MultipleChoice.LETTERS.charAt(best));
        return new ExampleRecord(ex.id(), ex.subject(), ex.line(), ex.prompt(), null, letter, ex.expected(), letter.equals(ex.expected()),
                null, null, lp, p.prompt().length, 0, null, p.truncated());
    }

    /** Greedy output: the text (cut before a new chat turn), the number of tokens, and why it stopped. */
    private record Generation(String text, int tokens, String stop) {
    }

    private Generation generate(int[] prompt, ModelSession session, int maxNew, Predicate<String> done, String doneReason) {
        List<Integer> out = new ArrayList<>();
        float[] logits = session.prefill(prompt);
        String text = "";
        String stop = "length";
        for (int step = 0; step < maxNew; step++) {
            int next = Sampler.argmax(logits, 0, config.vocabSize());
            if (next == tokenizer.eosId() || config.isEos(next)) {
                stop = "eos";
                break;
            }
            out.add(next);
            text = decode(out);
            if (Answers.nextTurn(text) >= 0) {
                stop = "turn";
                break;
            }
            if (done.test(text)) {
                stop = doneReason;
                break;
            }
            if (step + 1 < maxNew) {
                logits = session.step(next);
            }
        }
        return new Generation(Answers.cutAtNextTurn(text), out.size(), stop);
    }

    private String decode(List<Integer> ids) {
        int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
        synchronized (tokenizer) {
            return tokenizer.decode(a);
        }
    }

    private EvalResult summarize(Task task, List<ExampleRecord> records, Prepared[] prepared, long reused, double seconds, List<String> notes) {
        Map<String, int[]> counts = new TreeMap<>();
        int correct = 0;
        long promptTokens = 0;
        long generated = 0;
        int truncated = 0;
        for (int i = 0; i < records.size(); i++) {
            ExampleRecord r = records.get(i);
            int[] c = counts.computeIfAbsent(r.subject(), k -> new int[2]);
            c[0]++;
            if (r.correct()) {
                c[1]++;
                correct++;
            }
            promptTokens += prepared[i].prompt().length;
            generated += r.generatedTokens();
            truncated += r.promptTruncated() ? 1 : 0;
        }
        Map<String, EvalResult.SubjectScore> per = new TreeMap<>();
        double macro = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            double acc = (double) e.getValue()[1] / e.getValue()[0];
            per.put(e.getKey(), new EvalResult.SubjectScore(e.getValue()[0], e.getValue()[1], acc));
            macro += acc;
        }
        int n = records.size();
        return new EvalResult(task, task.metric(), n, correct, (double) correct / n, macro / counts.size(), per, records,
                seconds, n / Math.max(seconds, 1e-9), promptTokens, reused, generated, truncated, notes, null);
    }

    private List<String> notes(Task task, Prepared[] prepared, Options options) {
        List<String> notes = new ArrayList<>();
        boolean cloze = task.kind() == Task.Kind.CHOICE && options.choices() == ChoiceScoring.CLOZE;
        notes.add("greedy decoding; prompts tokenized without BOS; " + (cloze
                ? "cloze scoring: each option's text after the question without options or chat markers, log-likelihood per byte"
                : task.kind() == Task.Kind.CHOICE ? "letters scored by log-probability"
                : "up to " + (options.maxNewTokens() > 0 ? options.maxNewTokens() : task.defaultMaxNewTokens()) + " new tokens"));
        if (task.kind() == Task.Kind.CHOICE && !cloze) {
            StringBuilder s = new StringBuilder("letter continuations after the first prompt:");
            for (int c = 0; c < 4; c++) {
                s.append(' ').append(MultipleChoice.LETTERS.charAt(c)).append('=');
                for (int id : prepared[0].continuations()[c]) {
                    s.append('[').append(id).append(' ').append(tokenizer.piece(id)).append(']');
                }
            }
            notes.add(s.toString());
        }
        if (task.kind() == Task.Kind.CODE) {
            notes.add("sandbox (" + options.sandbox().python() + "): " + options.sandbox().enforcement());
        }
        return notes;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static String tail(String s) {
        return s.length() <= ERROR_TAIL ? s : "..." + s.substring(s.length() - ERROR_TAIL);
    }
}
