package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.peft.PeftAdapter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.postalign.TinyPair;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.lora.Lora;

/** {@code pkt postpkt} end to end on tiny pairs (pre-tokenized data, and chat data with the demo tokenizer), and its refusals. */
class PostpktCommandTest {

    static Path pair(Path dir, boolean tied, int vocab) throws IOException {
        TinyPair.write(dir.resolve("s"), TinyPair.config(32, 3, 4, 64, tied, vocab), 1, DType.F32);
        TinyPair.write(dir.resolve("t"), TinyPair.config(24, 2, 4, 40, tied, vocab), 2, DType.BF16);
        return dir;
    }

    static Path tokenData(Path dir) throws IOException {
        Path f = dir.resolve("task.jsonl");
        Files.writeString(f, TinyPair.jsonl(TinyPair.seeds(6, 7)));
        return f;
    }

    static String[] args(Path dir, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("postpkt", "--source", dir.resolve("s").toString(), "--target",
                dir.resolve("t").toString(), "--data", dir.resolve("task.jsonl").toString(), "--out", dir.resolve("run").toString(),
                "--threads", "2"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static void assertLoadsAndRuns(Path merged) throws IOException {
        Llama m = Llama.open(merged);
        float[] logits = new LlamaForward(m, ExecutionContext.of(2)).logits(new int[] {1, 9, 12, 30});
        for (float v : logits) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void preTokenizedRunWritesEveryOutput(@TempDir Path dir) throws IOException {
        pair(dir, true, TinyPair.VOCAB);
        tokenData(dir);
        Cli r = Cli.run(args(dir, "--rank", "3", "--epochs", "1", "--batch", "3", "--lr", "1e-2", "--seed-examples", "4", "--json"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("pkt postpkt: sensitivity of"), r.err());
        assertTrue(r.err().contains("seed 4/4"), r.err());
        assertTrue(r.err().contains("step 2/2"), r.err());
        JsonNode s = Json.MAPPER.readTree(r.out());
        assertEquals(2, s.path("steps").asInt());
        assertEquals(2, s.path("kept_layers").size());
        Path run = dir.resolve("run");
        Llama target = Llama.open(dir.resolve("t"));
        Lora extracted = PeftAdapter.read(run.resolve("extracted"), target);
        Lora adapter = PeftAdapter.read(run.resolve("adapter"), target);
        assertEquals(3, extracted.config().rank());
        assertEquals(adapter.params().size(), extracted.params().size());
        JsonNode cfg = Json.read(run.resolve("extracted").resolve(PeftAdapter.CONFIG));
        assertEquals(3, cfg.path("lora_alpha").asInt());
        assertEquals(9, cfg.path("target_modules").size());
        assertLoadsAndRuns(run.resolve("merged"));
        assertEquals(org.pkt4j.postalign.PostPkt.FORMAT, Json.read(run.resolve("manifest.json")).path("format").asText());

        // an existing run is kept unless --force
        Cli again = Cli.run(args(dir, "--rank", "3", "--extract-only"));
        again.failsWith(1, run.toString(), "--force");
        Cli forced = Cli.run(args(dir, "--rank", "3", "--extract-only", "--seed-examples", "2", "--force"));
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.out().startsWith("wrote " + run.resolve("extracted")), forced.out());
        assertTrue(Files.notExists(run.resolve("merged")));
    }

    @Test
    void chatDataWithTheDemoTokenizer(@TempDir Path dir) throws IOException {
        pair(dir, false, 1024);
        Path root = Path.of("").toAbsolutePath().getParent();
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(root.resolve("models/demo").resolve(f), dir.resolve("t").resolve(f));
        }
        List<String> lines = Files.readAllLines(root.resolve("models/demo/data/arithmetic/arithmetic_extract_split.jsonl")).subList(0, 4);
        Files.write(dir.resolve("task.jsonl"), lines);
        Cli r = Cli.run(args(dir, "--rank", "4", "--epochs", "1", "--batch", "2", "--cutoff", "96", "--no-embed"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("4 seed examples"), r.err());
        assertTrue(r.out().contains("2 steps"), r.out());
        JsonNode m = Json.read(dir.resolve("run/manifest.json"));
        assertEquals(14, m.path("plan").path("windows").size());
        assertEquals("arithmetic_0", m.path("seeds").path("examples").get(0).asText());
        assertLoadsAndRuns(dir.resolve("run/merged"));
        // the merged untied target keeps its untouched head bitwise
        Llama merged = Llama.open(dir.resolve("run/merged")), target = Llama.open(dir.resolve("t"));
        assertTrue(java.util.Arrays.equals(merged.lmHead().toFloatArray(), target.lmHead().toFloatArray()));
        assertTrue(Files.isRegularFile(dir.resolve("run/merged/tokenizer.json")));
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws IOException {
        pair(dir, false, TinyPair.VOCAB);
        tokenData(dir);
        Cli.run(args(dir, "--rank", "0")).failsWith(2, "--rank: expected at least 1");
        Cli.run(args(dir, "--rank", "25")).failsWith(2, "--rank 25 is larger than the smaller side of module q_proj's slice [24, 24]");
        Cli.run(args(dir, "--compat", "laten")).failsWith(2, "--compat");
        Cli.run(args(dir, "--dropout", "1")).failsWith(2, "--dropout");
        Cli.run(args(dir, "--extract-only", "--from-extracted", dir.toString())).failsWith(2, "exclude each other");
        TinyPair.write(dir.resolve("deep"), TinyPair.config(24, 4, 4, 40, false), 3, DType.F32);
        Cli.run("postpkt", "--source", dir.resolve("s").toString(), "--target", dir.resolve("deep").toString(), "--data",
                dir.resolve("task.jsonl").toString(), "--out", dir.resolve("r2").toString())
                .failsWith(2, "the target has 4 layers, the source only 3");
        TinyPair.write(dir.resolve("wide"), TinyPair.config(24, 2, 4, 80, false), 3, DType.F32);
        Cli.run("postpkt", "--source", dir.resolve("s").toString(), "--target", dir.resolve("wide").toString(), "--data",
                dir.resolve("task.jsonl").toString(), "--out", dir.resolve("r3").toString())
                .failsWith(2, "module gate_proj", "does not fit", "target intermediate size 80 > source 64");
        Cli.run(args(dir, "--seed-data", dir.resolve("nope.jsonl").toString())).failsWith(1, "nope.jsonl");
        Files.writeString(dir.resolve("bad.jsonl"), "{\"input_ids\": [1, 2, 99]}\n");
        Cli.run(args(dir, "--seed-data", dir.resolve("bad.jsonl").toString(), "--extract-only"))
                .failsWith(1, "bad.jsonl", "line 1", "outside the model's vocabulary");
        // an extracted adapter whose config names a module a Llama lacks
        Cli ok = Cli.run(args(dir, "--rank", "2", "--extract-only", "--seed-examples", "2"));
        assertEquals(0, ok.code(), ok.err());
        Path cfg = dir.resolve("run/extracted").resolve(PeftAdapter.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"v_proj\"", "\"query_key_value\""));
        Cli.run("postpkt", "--source", dir.resolve("s").toString(), "--target", dir.resolve("t").toString(), "--data",
                dir.resolve("task.jsonl").toString(), "--from-extracted", dir.resolve("run/extracted").toString(), "--rank", "2",
                "--out", dir.resolve("r4").toString()).failsWith(1, PeftAdapter.CONFIG, "unknown module 'query_key_value'");
    }

    /** {@code pkt sensitivity} on the fixture pair's source and its two seed examples: the reference's layer ranking. */
    @Test
    void sensitivityCommandWritesTotalsRankingAndMaps(@TempDir Path dir) throws IOException {
        var exp = org.pkt4j.testing.Fixtures.expected("pkt_pair");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            lines.append("{\"input_ids\": ").append(java.util.Arrays.toString(exp.get("pa." + i + ".input_ids").toIntArray()))
                    .append(", \"labels\": ").append(java.util.Arrays.toString(exp.get("pa." + i + ".labels").toIntArray())).append("}\n");
        }
        Files.writeString(dir.resolve("seeds.jsonl"), lines);
        Path source = org.pkt4j.testing.Fixtures.fixture("pkt_pair").resolve("source");
        Path out = dir.resolve("s.json");
        Cli r = Cli.run("sensitivity", source.toString(), "--data", dir.resolve("seeds.jsonl").toString(), "--keep", "3", "--maps",
                "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("layers by sensitivity [0, 2, 3, 1], kept [0, 2, 3]"), r.out());
        JsonNode j = Json.read(out);
        assertEquals(org.pkt4j.attribution.Sensitivity.FORMAT, j.path("format").asText());
        double want = exp.get("pa.layer_sensitivity").toFloatArray()[0];
        assertEquals(want, j.path("layer_scores").get(0).asDouble(), 1e-5 * want);
        var maps = org.pkt4j.io.safetensors.SafetensorsFile.open(dir.resolve("s.safetensors"));
        assertEquals("[128, 64]", maps.get("lm_head.weight").shapeString());
        Cli.run("sensitivity", source.toString(), "--data", dir.resolve("seeds.jsonl").toString(), "--out", out.toString())
                .failsWith(1, out.toString(), "--force");
        Cli.run("sensitivity", source.toString(), "--data", dir.resolve("seeds.jsonl").toString(), "--keep", "5", "--out",
                dir.resolve("t.json").toString()).failsWith(2, "--keep: expected 1..4");
    }
}
