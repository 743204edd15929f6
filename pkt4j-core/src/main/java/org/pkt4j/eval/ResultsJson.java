package org.pkt4j.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;

/**
 * {@code results.json}: a versioned summary (format {@value #FORMAT}) and one record per example, written to
 * a temporary name and renamed; an existing file is refused unless forced.
 */
public final class ResultsJson {
    private ResultsJson() {
    }

    public static final String FORMAT = "pkt4j.eval/1";

    /**
     * Where the numbers came from.
     *
     * @param model      the model path
     * @param data       the data path
     * @param dataSha256 {@link Benchmarks#sha256} of the data
     * @param seed       the seed (it picks the --limit subset)
     * @param options    every resolved option (limit, shots, max_new_tokens, threads, ...)
     * @param dataNotes  how the data was read and selected
     */
    public record RunInfo(Path model, Path data, String dataSha256, long seed, Map<String, Object> options, List<String> dataNotes) {
    }

    /** The whole document as ordered maps (what {@link #write} serialises). */
    public static Map<String, Object> document(EvalResult r, RunInfo info) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("task", r.task().cliName());
        s.put("metric", r.metric());
        s.put("model", info.model().toString());
        s.put("data", info.data().toString());
        s.put("data_sha256", info.dataSha256());
        s.put("n", r.n());
        s.put("correct", r.correct());
        s.put(r.metric(), finite(r.accuracy()));
        if (r.task().kind() == Task.Kind.CHOICE) {
            s.put("macro_accuracy", finite(r.macroAccuracy()));
        }
        Map<String, Object> per = new LinkedHashMap<>();
        r.perSubject().forEach((k, v) -> per.put(k, ordered("n", v.n(), "correct", v.correct(), "accuracy", v.accuracy())));
        s.put("per_subject", per);
        s.put("options", info.options());
        s.put("seed", info.seed());
        s.put("wall_seconds", r.wallSeconds());
        s.put("examples_per_second", r.examplesPerSecond());
        s.put("prompt_tokens", r.promptTokens());
        s.put("reused_prompt_tokens", r.reusedTokens());
        s.put("generated_tokens", r.generatedTokens());
        s.put("truncated_prompts", r.truncatedPrompts());
        List<String> notes = new ArrayList<>(info.dataNotes());
        notes.addAll(r.notes());
        s.put("notes", notes);
        List<Map<String, Object>> recs = new ArrayList<>();
        for (ExampleRecord e : r.records()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("subject", e.subject());
            m.put("line", e.line());
            m.put("prompt", e.prompt());
            putIf(m, "output", e.output());
            putIf(m, "extracted", e.extracted());
            putIf(m, "expected", e.expected());
            m.put("correct", e.correct());
            putIf(m, "execution", e.execution());
            putIf(m, "error", e.error());
            putIf(m, "letter_logprobs", e.letterLogProbs());
            m.put("prompt_tokens", e.promptTokens());
            m.put("generated_tokens", e.generatedTokens());
            putIf(m, "stop", e.stop());
            m.put("prompt_truncated", e.promptTruncated());
            recs.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("summary", s);
        doc.put("records", recs);
        return doc;
    }

    /** Writes {@code out} atomically; an existing file is refused unless {@code force}. */
    public static void write(Path out, boolean force, EvalResult r, RunInfo info) throws IOException {
        if (r.isSkipped()) {
            throw new IllegalArgumentException("task " + r.task().cliName() + " was skipped (" + r.skipped() + "): nothing to write");
        }
        AtomicFiles.checkWritable(out, force, "--force");
        Json.writeFile(out, document(r, info));
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
