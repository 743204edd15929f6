package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;

/**
 * {@code pkt demo --quick} end to end on the bundled demo pair (models/demo of this checkout): the report's
 * structure, every row's accuracy in [0, 1] on the stated number of examples, the curves complete.
 */
class DemoCommandTest {

    static Path repoModels() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve(".mvn"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("models").resolve("demo");
    }

    @Test
    void quickDemoWritesACompleteHonestReport(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"demo", "--quick", "--models", repoModels().toString(), "--out", out.toString()},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        String err = e.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err).isZero();

        JsonNode doc = Json.read(out.resolve("results.json"));
        assertThat(doc.get("format").asText()).isEqualTo("pkt4j.demo/1");
        JsonNode r = doc.get("results");
        JsonNode settings = r.get("settings");
        assertThat(settings.get("quick").asBoolean()).isTrue();
        List<String> tasks = new ArrayList<>();
        r.get("tasks").forEach(t -> tasks.add(t.asText()));
        assertThat(tasks).containsExactly("arithmetic", "knowledge");

        List<String> methods = new ArrayList<>();
        for (JsonNode row : r.get("rows")) {
            methods.add(row.get("method").asText());
            double sum = 0;
            for (String t : tasks) {
                double acc = row.get("accuracy").get(t).asDouble();
                int n = row.get("n").get(t).asInt();
                assertThat(acc).as(row.get("method") + " " + t).isBetween(0.0, 1.0);
                assertThat(n).as("stated number of test examples").isEqualTo(settings.get("test_examples").get(t).asInt());
                // an accuracy over n examples is a multiple of 1/n
                assertThat(Math.abs(acc * n - Math.rint(acc * n))).isLessThan(1e-6);
                sum += acc;
            }
            assertThat(row.get("average").asDouble()).isCloseTo(sum / tasks.size(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(row.get("peak_bytes").asLong()).isPositive();
        }
        assertThat(methods).containsExactly("target", "direct", "lora", "postpkt", "laten", "source");

        int sweepN = settings.get("sweep_examples").asInt();
        for (String t : tasks) {
            assertThat(r.get("laten_log").get(t)).hasSize(20);
            assertThat(xs(r.get("steps_ablation").get(t))).containsExactly(2.0, 4.0, 8.0, 16.0);
            assertThat(xs(r.get("rate_sweep").get(t))).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0);
            for (String curve : List.of("steps_ablation", "rate_sweep")) {
                for (JsonNode p : r.get(curve).get(t)) {
                    assertThat(p.get("accuracy").asDouble()).isBetween(0.0, 1.0);
                    assertThat(p.get("n").asInt()).isEqualTo(sweepN);
                }
            }
            assertThat(r.get("checkpoint_choice").get(t)).hasSize(20);
            int best = r.get("best_step").get(t).asInt();
            assertThat(best).isBetween(1, 20);
        }

        String md = Files.readString(out.resolve("report.md"));
        assertThat(md).contains("| method |", "Target (as is)", "Target + LaTen", "Source (upper reference)", "--quick",
                "## Ablation: accuracy vs alignment steps", "## Transfer-rate sweep");
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<table>");
        assertThat(html.split("<svg", -1).length - 1).as("plots: two loss curves, steps, rates, checkpoint choice").isEqualTo(5);
        assertThat(o.toString(StandardCharsets.UTF_8)).contains("Target + Post-Align PKT", "report:");
    }

    @Test
    void refusesAnExistingOutputWithoutForce(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"demo", "--quick", "--models", repoModels().toString(), "--out", tmp.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(e, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(e.toString(StandardCharsets.UTF_8)).contains(tmp.toString(), "--force").doesNotContain("Exception");
    }

    private static List<Double> xs(JsonNode points) {
        List<Double> x = new ArrayList<>();
        points.forEach(p -> x.add(p.get("x").asDouble()));
        return x;
    }
}
