package org.pkt4j.eval;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of evaluating a model on one task.
 *
 * @param task              the task
 * @param metric            "accuracy" or "pass@1"
 * @param n                 examples evaluated (0 when skipped)
 * @param correct           examples answered right
 * @param accuracy          correct / n (micro average; NaN when n = 0)
 * @param macroAccuracy     mean of the per-subject accuracies (MMLU's usual headline number)
 * @param perSubject        per subject (sorted by name)
 * @param records           one per example, in input order
 * @param wallSeconds       wall time of the evaluation
 * @param examplesPerSecond n / wallSeconds
 * @param promptTokens      prompt tokens over all examples (the work without prefix reuse)
 * @param reusedTokens      prompt tokens whose keys/values were reused from a shared prefix
 * @param generatedTokens   tokens generated
 * @param truncatedPrompts  prompts whose start was cut to fit the context
 * @param notes             how the task was run: letter tokens, sandbox enforcement, data selection
 * @param skipped           why the task was not run (e.g. no python3 for code tasks), else null
 */
public record EvalResult(Task task, String metric, int n, int correct, double accuracy, double macroAccuracy,
                         Map<String, SubjectScore> perSubject, List<ExampleRecord> records, double wallSeconds,
                         double examplesPerSecond, long promptTokens, long reusedTokens, long generatedTokens,
                         int truncatedPrompts, List<String> notes, String skipped) {

    /** Accuracy on one subject. */
    public record SubjectScore(int n, int correct, double accuracy) {
    }

    public EvalResult {
        perSubject = Collections.unmodifiableSortedMap(new TreeMap<>(perSubject));
        records = List.copyOf(records);
        notes = List.copyOf(notes);
    }

    public boolean isSkipped() {
        return skipped != null;
    }

    static EvalResult skipped(Task task, String reason) {
        return new EvalResult(task, task.metric(), 0, 0, Double.NaN, Double.NaN, Map.of(), List.of(), 0, 0, 0, 0, 0, 0, List.of(), reason);
    }
}
