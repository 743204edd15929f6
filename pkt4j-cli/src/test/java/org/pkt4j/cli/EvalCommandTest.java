package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pkt eval} on bad input: usage errors exit 2, bad files exit 1, each with one line naming the problem. */
class EvalCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownTaskListsTheValidOnes() {
        Run r = run("eval", tmp.toString(), "--task", "gsm9k", "--data", "x.jsonl", "--out", tmp.resolve("r.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("pkt: --task: unknown task 'gsm9k' (expected one of: gsm8k, mmlu, humaneval, mbpp, arithmetic, knowledge)");
    }

    @Test
    void wrongFormatNamesTheFirstOffendingLine() throws Exception {
        Path data = tmp.resolve("gsm.jsonl");
        Files.writeString(data, "{\"question\": \"1+1?\", \"answer\": \"#### 2\"}\n{\"question\": \"x\"}\n{broken\n");
        Run r = run("eval", tmp.toString(), "--task", "gsm8k", "--data", data.toString(), "--out", tmp.resolve("r.json").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("pkt: " + data + ": line 2: expected a GSM8K record {question, answer} (or a chat record with "
                + "'messages') with a string 'answer'; found keys [question]");
    }

    @Test
    void existingOutputIsRefusedWithoutForce() throws Exception {
        Path out = tmp.resolve("r.json");
        Files.writeString(out, "{}");
        Run r = run("eval", tmp.toString(), "--task", "mmlu", "--data", "x.csv", "--out", out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(out + ": already exists; pass --force to overwrite it");
        assertThat(Files.readString(out)).isEqualTo("{}");
    }

    @Test
    void missingDataAndMisusedFlags() {
        Path out = tmp.resolve("r.json");
        Run missing = run("eval", tmp.toString(), "--task", "mmlu", "--data", tmp.resolve("none.csv").toString(), "--out", out.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("none.csv: data file not found");
        Run shots = run("eval", tmp.toString(), "--task", "gsm8k", "--shots", "3", "--data", "x", "--out", out.toString());
        assertThat(shots.code()).isEqualTo(2);
        assertThat(shots.err()).contains("--shots applies to the multiple-choice tasks");
        Run limit = run("eval", tmp.toString(), "--task", "gsm8k", "--limit", "-1", "--data", "x", "--out", out.toString());
        assertThat(limit.code()).isEqualTo(2);
        assertThat(limit.err()).contains("--limit: expected >= 0, got -1");
        assertThat(out).doesNotExist();
    }

    @Test
    void progressDurationsReadNaturally() {
        assertThat(ProgressLine.duration(42.4)).isEqualTo("42s");
        assertThat(ProgressLine.duration(375)).isEqualTo("6m15s");
        assertThat(ProgressLine.duration(7300)).isEqualTo("2h01m");
    }
}
