package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/**
 * The canonical HumanEval and MBPP solutions, written the ways a model replies (fenced whole function, bare
 * body), pass their benchmark's tests through extraction, assembly and the sandbox; an empty or wrong body
 * fails. A seeded sample of 16 problems each keeps the python start-ups few.
 */
class CodeBenchmarksTest {
    private static final int SAMPLE = 16;
    private static Path root;
    private static Sandbox sandbox;

    @BeforeAll
    static void detect() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "pkt4j-code-test-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        sandbox = Sandbox.detect(Sandbox.Limits.defaults(), root, System.getenv("PATH"));
        assumeTrue(sandbox.available(), "code benchmark tests skipped: " + sandbox.unavailableReason());
    }

    @AfterAll
    static void cleanUp() throws IOException {
        AtomicFiles.deleteRecursively(root);
    }

    @Test
    void canonicalHumanEvalSolutionsPassAsBodyOrWholeFunction() throws IOException {
        Path f = Fixtures.data().resolve("benchmarks/humaneval/HumanEval.jsonl");
        List<EvalExample> ex = Benchmarks.load(Task.HUMANEVAL, f, 0).examples();
        List<JsonNode> raw = rawLines(f);
        for (int i : sample(raw.size(), 11)) {
            JsonNode r = raw.get(i);
            String canonical = r.get("canonical_solution").asText();
            // even draws reply with the bare body, odd ones with the prompt's whole function in a closed fence
            String output = i % 2 == 0 ? canonical + "```" : r.get("prompt").asText() + canonical + "```\nDone.";
            Sandbox.Execution e = score(ex.get(i), output);
            assertThat(e.status()).as("%s: %s", ex.get(i).id(), e.stderr()).isEqualTo(Sandbox.Status.PASSED);
        }
    }

    @Test
    void canonicalMbppSolutionsPass() throws IOException {
        Path f = Fixtures.data().resolve("benchmarks/mbpp/mbpp.jsonl");
        List<EvalExample> ex = Benchmarks.load(Task.MBPP, f, 0).examples();
        List<JsonNode> raw = rawLines(f);
        for (int i : sample(ex.size(), 12)) {
            EvalExample e = ex.get(i);
            JsonNode r = raw.get(Integer.parseInt(e.id().substring("mbpp/".length())) - 1);
            Sandbox.Execution run = score(e, r.get("code").asText() + "\n```");
            assertThat(run.status()).as("%s: %s", e.id(), run.stderr()).isEqualTo(Sandbox.Status.PASSED);
        }
    }

    @Test
    void emptyOrWrongBodiesFail() throws IOException {
        EvalExample he = Benchmarks.load(Task.HUMANEVAL, Fixtures.data().resolve("benchmarks/humaneval/HumanEval.jsonl"), 0).examples().getFirst();
        assertThat(score(he, "```").status()).isEqualTo(Sandbox.Status.FAILED);
        Sandbox.Execution wrong = score(he, "    return False\n```");
        assertThat(wrong.status()).isEqualTo(Sandbox.Status.FAILED);
        assertThat(wrong.stderr()).contains("AssertionError");
        EvalExample mb = Benchmarks.load(Task.MBPP, Fixtures.data().resolve("benchmarks/mbpp/mbpp.jsonl"), 0).examples().getFirst();
        String name = mb.code().entryPoint();
        assertThat(score(mb, "def " + name + "(*args):\n    return None\n```").status()).isEqualTo(Sandbox.Status.FAILED);
    }

    /** The scoring path of the evaluator: reply prefix + output -> code -> program -> sandbox. */
    private static Sandbox.Execution score(EvalExample e, String output) throws IOException {
        String code = e.code().extractCode(e.replyPrefix() + output);
        return sandbox.run(e.code().program(code));
    }

    private static List<Integer> sample(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Integer> out = new ArrayList<>();
        while (out.size() < SAMPLE) {
            int i = rng.nextInt(n);
            if (!out.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    private static List<JsonNode> rawLines(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readString(f).split("\n")) {
            if (!l.isBlank()) {
                out.add(Json.MAPPER.readTree(l));
            }
        }
        return out;
    }
}
