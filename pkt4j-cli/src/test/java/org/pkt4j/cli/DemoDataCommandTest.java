package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;

/** {@code pkt demo-data}: writes the splits, refuses to overwrite without --force, and rejects bad flags. */
class DemoDataCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writesTheSplitsAndRefusesToOverwriteWithoutForce(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        Run first = run("demo-data", "splits", "--out", dir.toString());
        assertEquals(0, first.code(), first.err());
        assertThat(Files.readAllLines(dir.resolve("knowledge/knowledge_test_split.jsonl"))).hasSize(200);
        assertThat(Files.readAllLines(dir.resolve("arithmetic/arithmetic_extract_split.jsonl"))).hasSize(20);

        Run again = run("demo-data", "splits", "--out", dir.toString());
        assertEquals(ExitCodes.RUNTIME, again.code());
        assertThat(again.err()).contains("already exists").contains("--force").doesNotContain("Exception");

        assertEquals(0, run("demo-data", "splits", "--out", dir.toString(), "--force").code());
    }

    @Test
    void corpusStatsAndBadFlags() throws Exception {
        Run stats = run("demo-data", "corpus", "--recipe", "target", "--limit", "50", "--stats");
        assertEquals(0, stats.code(), stats.err());
        var o = Json.MAPPER.readTree(stats.out());
        assertEquals(50, o.get("documents").asInt());
        assertEquals(0.5, o.get("recipe").get("fact_fraction").asDouble());

        Run docs = run("demo-data", "corpus", "--limit", "3");
        assertEquals(0, docs.code(), docs.err());
        assertThat(docs.out().strip().split("\n")).hasSize(3);

        Run bad = run("demo-data", "corpus", "--recipe", "bigger");
        assertEquals(ExitCodes.USAGE, bad.code());
        assertThat(bad.err()).contains("--recipe").contains("source or target").contains("bigger");
    }

    /** {@code cards} on copies of the committed pair: both cards get the same section, with the accuracies of pretrain.json. */
    @Test
    void cardsWriteThePairSectionIntoBothCards(@TempDir Path tmp) throws Exception {
        Path demo = PretrainCommandTest.demo();
        for (String which : new String[] {"source", "target"}) {
            Files.createDirectories(tmp.resolve(which));
            try (var files = Files.list(demo.resolve(which))) {
                for (Path f : files.toList()) {
                    Files.copy(f, tmp.resolve(which).resolve(f.getFileName()));
                }
            }
        }
        Run r = run("demo-data", "cards", "--source", tmp.resolve("source").toString(), "--target", tmp.resolve("target").toString(),
                "--data", demo.resolve("data").toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        for (String which : new String[] {"source", "target"}) {
            String card = Files.readString(tmp.resolve(which).resolve("README.md"));
            assertThat(card).contains(r.out().strip()).contains("<!-- demo pair: begin -->\n## The demo pair");
            var test = Json.read(tmp.resolve(which).resolve("pretrain.json")).get("test");
            for (String task : new String[] {"arithmetic", "knowledge"}) {
                assertThat(r.out()).contains("(" + test.get(task).get("correct").asInt() + " / 200)");
            }
        }
        assertThat(r.out()).contains("| source | 2,853,312 |").contains("| target | 541,536 |").contains("Fact recall")
                .containsPattern("\\| source \\| [0-9.]+ % \\([0-9]+ / 200\\) \\|\\n\\| target \\| [0-9.]+ % \\([0-9]+ / 200\\) \\|\\n\\nFact recall");

        Files.writeString(tmp.resolve("target").resolve("README.md"), "# a card without the section\n");
        Run bad = run("demo-data", "cards", "--source", tmp.resolve("source").toString(), "--target", tmp.resolve("target").toString(),
                "--data", demo.resolve("data").toString());
        assertEquals(ExitCodes.RUNTIME, bad.code());
        assertThat(bad.err()).contains("README.md").contains("demo pair section").doesNotContain("Exception");
    }
}
