package org.pkt4j.eval;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The evaluation tasks: the paper's four benchmarks and the two demo tasks. Each has a kind that decides
 * how a reply is obtained and scored, and the text the assistant's reply is primed with (the start every
 * reply in the task's training split has, so the model continues in the format it was taught).
 */
public enum Task {
    GSM8K("gsm8k", Kind.NUMBER, "Answer:", 256),
    MMLU("mmlu", Kind.CHOICE, "The answer is:", 0),
    HUMANEVAL("humaneval", Kind.CODE, Answers.CODE_REPLY_PREFIX, 512),
    MBPP("mbpp", Kind.CODE, Answers.CODE_REPLY_PREFIX, 512),
    ARITHMETIC("arithmetic", Kind.NUMBER, "Answer:", 128),
    KNOWLEDGE("knowledge", Kind.CHOICE, "The answer is:", 0);

    /** How a task is answered and scored. */
    public enum Kind {
        /** Greedy generation; the last number of the reply must equal the expected number. */
        NUMBER,
        /** Four options A-D; the letter with the highest log-probability after the reply prefix is the answer. */
        CHOICE,
        /** Greedy generation; the extracted code must pass the benchmark's tests in a sandboxed python3 (pass@1). */
        CODE
    }

    private final String cliName;
    private final Kind kind;
    private final String replyPrefix;
    private final int defaultMaxNewTokens;

    Task(String cliName, Kind kind, String replyPrefix, int defaultMaxNewTokens) {
        this.cliName = cliName;
        this.kind = kind;
        this.replyPrefix = replyPrefix;
        this.defaultMaxNewTokens = defaultMaxNewTokens;
    }

    /** The name used on the command line and in results.json. */
    public String cliName() {
        return cliName;
    }

    public Kind kind() {
        return kind;
    }

    /** Text the assistant's reply is primed with, placed right after {@code "<|assistant|>\n"}. */
    public String replyPrefix() {
        return replyPrefix;
    }

    /** Generation budget when none is given (0 for tasks scored by log-probabilities). */
    public int defaultMaxNewTokens() {
        return defaultMaxNewTokens;
    }

    /** The metric's name in reports. */
    public String metric() {
        return kind == Kind.CODE ? "pass@1" : "accuracy";
    }

    /** All valid names, comma-separated, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Task::cliName).collect(Collectors.joining(", "));
    }

    /** The task called {@code name} (case-insensitive); an unknown name lists the valid ones. */
    public static Task parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (Task t : values()) {
            if (t.cliName.equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "' (expected one of: " + names() + ")");
    }
}
