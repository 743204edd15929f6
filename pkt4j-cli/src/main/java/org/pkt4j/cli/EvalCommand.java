package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.eval.Benchmarks;
import org.pkt4j.eval.EvalExample;
import org.pkt4j.eval.EvalResult;
import org.pkt4j.eval.Evaluator;
import org.pkt4j.eval.ResultsJson;
import org.pkt4j.eval.Sandbox;
import org.pkt4j.eval.Task;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a benchmark or demo task: accuracy (or pass@1) with per-example records in results.json.")
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "T", description = "gsm8k, mmlu, humaneval, mbpp, arithmetic or knowledge")
    String task;

    @Option(names = "--data", required = true, paramLabel = "F",
            description = "the task's data: native benchmark file (GSM8K/HumanEval/MBPP JSONL, MMLU CSV or directory) or chat JSONL")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json or tokenizer.bin (default: MODEL's)")
    Path tokenizer;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "evaluate a seeded subset of N examples (0 = all)")
    int limit;

    @Option(names = "--shots", paramLabel = "K", defaultValue = "0", description = "in-context examples per question (mmlu, knowledge)")
    int shots;

    @Option(names = "--choice-scoring", paramLabel = "letter|cloze", defaultValue = "letter",
            description = "multiple-choice scoring (mmlu, knowledge): letter = log-probabilities of A-D after the prompt with its options "
                    + "(the standard); cloze = each option's text after the question alone, per byte (for models too small to read "
                    + "an option list) (default: ${DEFAULT-VALUE})")
    String choiceScoring;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "0",
            description = "generation budget (0 = the task's default: gsm8k 256, arithmetic 128, code 512)")
    int maxNewTokens;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of the --limit subset")
    long seed;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10", description = "wall-clock limit per code program")
    int timeout;

    @Option(names = "--out", required = true, paramLabel = "results.json", description = "output file")
    Path out;

    @Option(names = "--force", description = "overwrite --out if it exists")
    boolean force;

    @Mixin
    Threads threads;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Task t;
        try {
            t = Task.parse(task);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--task: " + e.getMessage());
        }
        for (var flag : List.of(Map.entry("--limit", limit), Map.entry("--shots", shots), Map.entry("--max-new-tokens", maxNewTokens))) {
            if (flag.getValue() < 0) {
                throw new UsageException(flag.getKey() + ": expected >= 0, got " + flag.getValue());
            }
        }
        if (timeout < 1) {
            throw new UsageException("--timeout: expected >= 1 second, got " + timeout);
        }
        if (shots > 0 && t.kind() != Task.Kind.CHOICE) {
            throw new UsageException("--shots applies to the multiple-choice tasks (mmlu, knowledge), not " + t.cliName());
        }
        Evaluator.ChoiceScoring scoring = switch (choiceScoring) {
            case "letter" -> Evaluator.ChoiceScoring.LETTER;
            case "cloze" -> Evaluator.ChoiceScoring.CLOZE;
            default -> throw new UsageException("--choice-scoring: expected letter or cloze, got '" + choiceScoring + "'");
        };
        ExecutionContext ctx = threads.context();
        AtomicFiles.checkWritable(out, force, "--force");
        PrintWriter err = spec.commandLine().getErr();
        Benchmarks.Data d = Benchmarks.load(t, data, shots);
        List<EvalExample> examples = Benchmarks.sample(d.examples(), limit, seed);
        Sandbox sandbox = null;
        if (t.kind() == Task.Kind.CODE) {
            sandbox = Sandbox.detect(Sandbox.Limits.defaults().withWallClock(Duration.ofSeconds(timeout)),
                    Path.of(System.getProperty("java.io.tmpdir")), System.getenv("PATH"));
            if (!sandbox.available()) {
                err.println("pkt: " + t.cliName() + " skipped: " + sandbox.unavailableReason());
                return ExitCodes.RUNTIME;
            }
        }
        Llama m = Llama.open(model);
        Tokenizer tok = Tokenizers.load(tokenizer != null ? tokenizer : model);
        err.println("pkt eval: " + t.cliName() + " on " + examples.size() + " of " + d.examples().size() + " examples, "
                + ctx.threads() + " thread(s)" + (sandbox != null ? "; sandbox: " + sandbox.enforcement() : ""));
        EvalResult r = new Evaluator(m, Adapters.NONE, tok, ctx)
                .evaluate(t, examples, new Evaluator.Options(maxNewTokens, sandbox, scoring), new ProgressLine(err, t.cliName(), t.metric()));
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("limit", limit);
        options.put("shots", shots);
        if (t.kind() == Task.Kind.CHOICE) {
            options.put("choice_scoring", choiceScoring);
        }
        options.put("max_new_tokens", maxNewTokens > 0 ? maxNewTokens : t.defaultMaxNewTokens());
        options.put("threads", ctx.threads());
        options.put("tokenizer", (tokenizer != null ? tokenizer : model).toString());
        if (sandbox != null) {
            options.put("timeout_seconds", timeout);
        }
        options.put("pkt4j_version", Version.get());
        ResultsJson.write(out, force, r, new ResultsJson.RunInfo(model, data, Benchmarks.sha256(data), seed, options, d.notes()));
        String macro = t.kind() == Task.Kind.CHOICE ? String.format(", macro %.4f over %d subjects", r.macroAccuracy(), r.perSubject().size()) : "";
        spec.commandLine().getOut().printf("%s: %s %.4f (%d/%d)%s in %.1f s (%.2f examples/s) -> %s%n", t.cliName(), r.metric(), r.accuracy(),
                r.correct(), r.n(), macro, r.wallSeconds(), r.examplesPerSecond(), out);
        return ExitCodes.OK;
    }
}
