package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;
import org.pkt4j.transfer.LatenFuse;

/**
 * {@code pkt laten train}, {@code pkt laten fuse} and {@code pkt transfer direct} end to end on the pkt_pair
 * models with pre-tokenized data in the fixture's toy-vocabulary layout, and their one-line errors.
 */
class LatenCommandTest {

    static String source() {
        return Fixtures.fixture("pkt_pair").resolve("source").toString();
    }

    static String target() {
        return Fixtures.fixture("pkt_pair").resolve("target").toString();
    }

    /**
     * Chat-shaped id sequences {@code [4, prompt words, 6, 5, answer words, 6, 2]} (2 = EOS), labels masked on the
     * prompt + 1 (the reference's quirk); extract records also carry their locate form: the context is the
     * prompt + answer without its last word, y that word.
     */
    static Path data(Path dir, String name, int n, long seed, boolean locate) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<Integer> ids = new ArrayList<>(List.of(4));
            int p = 3 + rng.nextInt(4), a = 2 + rng.nextInt(3);
            for (int i = 0; i < p; i++) {
                ids.add(7 + rng.nextInt(121));
            }
            ids.add(6);
            ids.add(5);
            int prompt = ids.size();
            for (int i = 0; i < a; i++) {
                ids.add(7 + rng.nextInt(121));
            }
            List<Integer> context = new ArrayList<>(ids.subList(0, ids.size() - 1));
            int y = ids.getLast();
            ids.add(6);
            ids.add(2);
            List<Integer> labels = new ArrayList<>(ids);
            for (int i = 0; i <= prompt; i++) {
                labels.set(i, -100);
            }
            lines.add(locate ? "{\"context_ids\":" + context + ",\"target_id\":" + y + ",\"input_ids\":" + ids + ",\"labels\":" + labels + "}"
                    : "{\"input_ids\":" + ids + ",\"labels\":" + labels + "}");
        }
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    static Cli train(Path extract, Path align, Path run, String... more) {
        List<String> args = new ArrayList<>(List.of("laten", "train", "--source", source(), "--target", target(), "--extract-data",
                extract.toString(), "--align-data", align.toString(), "--out", run.toString(), "--threads", "2"));
        if (!List.of(more).contains("--rate")) {
            args.addAll(List.of("--rate", "0.25"));
        }
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void trainThenFuseThenDirect(@TempDir Path tmp) throws IOException {
        Path extract = data(tmp, "extract.jsonl", 3, 1, true), align = data(tmp, "align.jsonl", 16, 2, false);
        Path run = tmp.resolve("run");
        Cli t = train(extract, align, run, "--json").succeeds();
        assertThat(t.err()).contains("attribution of the source on 3/3").contains("step 1/3").contains("step 3/3").contains("forward");
        JsonNode summary = Json.MAPPER.readTree(t.out());
        assertEquals(3, summary.path("steps").asInt());
        assertEquals("checkpoint_2", summary.path("last_checkpoint").asText());
        JsonNode manifest = Json.read(run.resolve("manifest.json"));
        assertEquals("pkt4j.laten/1", manifest.path("format").asText());
        assertEquals(0.25, manifest.path("options").path("--rate").asDouble());
        assertEquals(64, manifest.path("inputs").path("--source").path("model.safetensors").asText().length(), "a sha256");
        assertEquals(64, manifest.path("inputs").path("--align-data").asText().length());
        assertEquals(3, Files.readAllLines(run.resolve("log.jsonl")).size());
        for (int k = 0; k < 3; k++) {
            assertTrue(Files.isRegularFile(run.resolve("checkpoint_" + k + "/hypernetwork.safetensors")));
        }

        Path fused = tmp.resolve("fused");
        Cli f = Cli.run("laten", "fuse", "--source", source(), "--target", target(), "--run", run.toString(), "--data", extract.toString(),
                "--rate", "0.25", "--out", fused.toString()).succeeds();
        assertThat(f.out()).contains("wrote " + fused).contains("rate 0.25");
        Llama model = Llama.open(fused), base = Llama.open(Path.of(target()));
        assertEquals(base.tensors().keySet(), model.tensors().keySet());
        assertEquals(Json.read(Path.of(target()).resolve("config.json")), Json.read(fused.resolve("config.json")));
        JsonNode prov = Json.read(fused.resolve(LatenFuse.PROVENANCE));
        assertEquals("checkpoint_2", prov.path("checkpoint").asText());
        // python3: random.seed(42); random.sample(range(3), 1) == [2]
        assertEquals(2, prov.path("example").path("index").asInt());

        Path sweep = tmp.resolve("sweep");
        Cli.run("laten", "fuse", "--source", source(), "--target", target(), "--run", run.toString(), "--step", "0", "--data",
                extract.toString(), "--rate", "0.25,0.5", "--out", sweep.toString(), "--json").succeeds();
        assertTrue(Files.isRegularFile(sweep.resolve("rate_0.25/model.safetensors")));
        assertTrue(Files.isRegularFile(sweep.resolve("rate_0.5/model.safetensors")));
        assertEquals("checkpoint_0", Json.read(sweep.resolve("rate_0.5").resolve(LatenFuse.PROVENANCE)).path("checkpoint").asText());

        Path direct = tmp.resolve("direct");
        Cli d = Cli.run("transfer", "direct", "--source", source(), "--target", target(), "--data", extract.toString(), "--rate", "0.25",
                "--map", "random", "--seed", "3", "--out", direct.toString()).succeeds();
        assertThat(d.out()).contains("wrote " + direct);
        JsonNode dp = Json.read(direct.resolve(LatenFuse.PROVENANCE));
        assertEquals("direct", dp.path("method").asText());
        assertEquals("random", dp.path("map").path("map").asText());
        // source-scale values injected without alignment change every touched element
        assertThat(dp.path("changed_elements").asLong()).isGreaterThan(3000);

        Cli again = train(extract, align, run);
        again.failsWith(1, "already exists", "--resume", "--force");
        Cli other = train(extract, align, run, "--resume", "--lr", "1e-3");
        other.failsWith(1, "started with --lr 3.0E-4", "this call has --lr 0.001");
        Cli resumed = train(extract, align, run, "--resume").succeeds();
        assertThat(resumed.err()).contains("resuming after checkpoint_2");
    }

    @Test
    void badInputGetsOneLine(@TempDir Path tmp) throws IOException {
        Path extract = data(tmp, "extract.jsonl", 2, 1, true), align = data(tmp, "align.jsonl", 16, 2, false);
        train(extract, align, tmp.resolve("a"), "--rate", "0.001").failsWith(2, "--rate 0.001", "raise the rate");
        train(extract, align, tmp.resolve("b"), "--resume", "--force").failsWith(2, "--resume and --force");
        train(extract, align, tmp.resolve("c"), "--compat", "strict").failsWith(2, "--compat");
        train(extract, data(tmp, "few.jsonl", 5, 3, false), tmp.resolve("d")).failsWith(1, "--align-data has 5", "15");
        train(align, align, tmp.resolve("e")).failsWith(1, "extract record needs both");

        Path otherVocab = model(tmp.resolve("vocab130"), RandomLlama.config(48, 3, 4, 4, 128, 130));
        Cli.run("laten", "train", "--source", source(), "--target", otherVocab.toString(), "--extract-data", extract.toString(),
                "--align-data", align.toString(), "--out", tmp.resolve("f").toString(), "--rate", "0.25")
                .failsWith(1, "128", "130", "share one tokenizer");
        assertFalse(Files.exists(tmp.resolve("f")), "nothing written for an incompatible pair");

        // a target wider than the source: allowed, with a note
        Path wide = model(tmp.resolve("wide"), RandomLlama.config(64, 2, 4, 4, 96, 128));
        Path run = tmp.resolve("g");
        Cli w = Cli.run("laten", "train", "--source", target(), "--target", wide.toString(), "--extract-data", extract.toString(),
                "--align-data", align.toString(), "--out", run.toString(), "--rate", "0.25").succeeds();
        assertThat(w.err()).contains("larger than the source");

        Cli.run("laten", "fuse", "--source", target(), "--target", wide.toString(), "--run", run.toString(), "--step", "7", "--data",
                extract.toString(), "--rate", "0.25", "--out", tmp.resolve("h").toString()).failsWith(1, "checkpoint_7", "no such checkpoint",
                "checkpoint_0 .. checkpoint_1");
        Cli.run("laten", "fuse", "--source", source(), "--target", target(), "--run", run.toString(), "--data",
                extract.toString(), "--rate", "0.25", "--out", tmp.resolve("h").toString()).failsWith(1, "trained for another model pair");
        Path weights = run.resolve("checkpoint_1/hypernetwork.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Cli.run("laten", "fuse", "--source", target(), "--target", wide.toString(), "--run", run.toString(), "--data",
                extract.toString(), "--rate", "0.25", "--out", tmp.resolve("h").toString()).failsWith(1, "hypernetwork.safetensors");
        assertFalse(Files.exists(tmp.resolve("h")), "no partial model after a failed fuse");
        Cli.run("laten", "fuse", "--source", target(), "--target", wide.toString(), "--run", tmp.resolve("none").toString(), "--data",
                extract.toString(), "--rate", "0.25", "--out", tmp.resolve("h").toString()).failsWith(1, "run directory not found");
        Cli.run("laten", "fuse", "--source", target(), "--target", wide.toString(), "--run", run.toString(), "--step", "0", "--data",
                extract.toString(), "--rate", "0.01", "--out", tmp.resolve("h").toString()).failsWith(2, "--rate 0.01");
        Cli.run("transfer", "direct", "--source", source(), "--target", target(), "--data", extract.toString(), "--rate", "0.25",
                "--map", "identity", "--out", tmp.resolve("i").toString()).failsWith(2, "--map", "truncate or random");
        Cli.run("transfer", "direct", "--source", source(), "--target", target(), "--data", extract.toString(), "--rate", "0.2,x",
                "--map", "truncate", "--out", tmp.resolve("i").toString()).failsWith(2, "--rate", "'x'");
    }

    /** A random model of {@code c} written as a Hugging Face directory. */
    static Path model(Path dir, LlamaConfig c) throws IOException {
        java.util.Map<String, Tensor> t = RandomLlama.tensors(c, 5, DType.F32, 0.3);
        CheckpointWriter.write(dir, HfConfig.toJson(c), t, null, null, false);
        return dir;
    }
}
