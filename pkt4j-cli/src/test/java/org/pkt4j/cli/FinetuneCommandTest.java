package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Close;
import org.pkt4j.testing.Fixtures;

/** {@code pkt finetune} and {@code pkt forward --grad}: outputs, resume, and one-line errors on bad input. */
class FinetuneCommandTest {

    record Run(int code, String out, String err) {
    }

    static Run pkt(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Pre-tokenized records of a learnable pattern (ids 7..94 of mha_tiny's 96), prompts masked. */
    static Path tokenData(Path dir, int n, int len) throws IOException {
        SplittableRandom rng = new SplittableRandom(1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder ids = new StringBuilder(), labels = new StringBuilder();
            int start = rng.nextInt(80);
            for (int t = 0; t < len; t++) {
                int id = 7 + (start + 5 * t) % 80;
                ids.append(t > 0 ? "," : "").append(id);
                labels.append(t > 0 ? "," : "").append(t < 3 ? -100 : id);
            }
            lines.add("{\"input_ids\":[" + ids + "],\"labels\":[" + labels + "]}");
        }
        Path f = dir.resolve("data.jsonl");
        Files.write(f, lines);
        return f;
    }

    static String model(String fixture) {
        return Fixtures.fixture(fixture).resolve("model").toString();
    }

    @Test
    void loraWritesAPeftAdapterAMergedModelAndALossLog(@TempDir Path tmp) throws IOException {
        Path data = tokenData(tmp, 6, 10);
        Path out = tmp.resolve("run");
        Run r = pkt("finetune", model("mha_tiny"), "--data", data.toString(), "--lora-rank", "4", "--lora-targets", "q,v,down",
                "--epochs", "4", "--lr", "3e-2", "--batch", "2", "--cutoff", "64", "--out", out.toString(), "--merge",
                "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 12/12"), r.err());
        assertTrue(r.err().contains("6 examples"), r.err());
        var summary = Json.MAPPER.readTree(r.out());
        assertEquals(12, summary.get("steps").asInt());
        assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_config.json")));
        SafetensorsFile adapter = SafetensorsFile.open(out.resolve("adapter/adapter_model.safetensors"));
        assertEquals("[4, 172]", adapter.get("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shapeString());
        List<String> log = Files.readAllLines(out.resolve("loss.jsonl"));
        assertEquals(12, log.size());
        double first = Json.MAPPER.readTree(log.getFirst()).get("loss").asDouble();
        double last = Json.MAPPER.readTree(log.getLast()).get("loss").asDouble();
        assertTrue(last < first - 0.1, "loss " + first + " -> " + last);
        assertEquals("lora", Json.read(out.resolve("manifest.json")).get("method").asText());
        assertEquals(64, Llama.open(out.resolve("merged")).config().hiddenSize());

        Run again = pkt("finetune", model("mha_tiny"), "--data", data.toString(), "--lora-rank", "4", "--epochs", "4", "--lr", "3e-2",
                "--batch", "2", "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists; pass --resume"), again.err());
        Run resumed = pkt("finetune", model("mha_tiny"), "--data", data.toString(), "--lora-rank", "4", "--lora-targets", "q,v,down",
                "--epochs", "4", "--lr", "3e-2", "--batch", "2", "--cutoff", "64", "--out", out.toString(), "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resumed from the checkpoint after step 12"), resumed.err());
        Run forced = pkt("finetune", model("mha_tiny"), "--data", data.toString(), "--lora-rank", "2", "--epochs", "1", "--lr", "1e-3",
                "--batch", "3", "--out", out.toString(), "--force");
        assertEquals(0, forced.code(), forced.err());
        assertEquals(2, Files.readAllLines(out.resolve("loss.jsonl")).size());
        assertTrue(Files.notExists(out.resolve("merged")));
    }

    @Test
    void fullFineTuningKeepsTheBaseLayoutAndReportsTruncation(@TempDir Path tmp) throws IOException {
        Path data = tokenData(tmp, 4, 12);
        Path out = tmp.resolve("run");
        Run r = pkt("finetune", model("sharded_f16"), "--data", data.toString(), "--full", "--epochs", "1", "--lr", "1e-3",
                "--batch", "2", "--cutoff", "8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("4 truncated at --cutoff 8"), r.err());
        Llama trained = Llama.open(out.resolve("model"));
        Llama base = Llama.open(Fixtures.fixture("sharded_f16").resolve("model"));
        assertEquals(base.checkpoint().shardOf(), trained.checkpoint().shardOf());
        assertEquals(DType.F16, trained.tensors().get("model.layers.0.mlp.up_proj.weight").dtype());
        float[] before = base.tensors().get("model.layers.0.mlp.up_proj.weight").toFloatArray();
        float[] after = trained.tensors().get("model.layers.0.mlp.up_proj.weight").toFloatArray();
        double moved = 0;
        for (int i = 0; i < before.length; i++) {
            moved = Math.max(moved, Math.abs(after[i] - before[i]));
        }
        assertTrue(moved > 1e-4, "weights moved by " + moved);
    }

    @Test
    void badInputGivesOneLineErrors(@TempDir Path tmp) throws IOException {
        String m = model("mha_tiny");
        Path good = tokenData(tmp, 3, 8);
        Path malformed = tmp.resolve("bad.jsonl");
        Files.writeString(malformed, "{\"input_ids\":[1,2,3]}\n{\"input_ids\":[1,2,\n");
        Path noMessages = tmp.resolve("nomsg.jsonl");
        Files.writeString(noMessages, "{\"prompt\":\"hi\"}\n");
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "\n");
        Path outOfVocab = tmp.resolve("oov.jsonl");
        Files.writeString(outOfVocab, "{\"input_ids\":[1,2,300]}\n");

        expect(1, "line 2", "finetune", m, "--data", malformed.toString(), "--lora-rank", "2", "--epochs", "1", "--lr", "1e-3",
                "--out", tmp.resolve("o1").toString());
        expect(1, "'messages'", "finetune", m, "--data", noMessages.toString(), "--lora-rank", "2", "--epochs", "1", "--lr", "1e-3",
                "--out", tmp.resolve("o2").toString());
        expect(1, "empty dataset", "finetune", m, "--data", empty.toString(), "--lora-rank", "2", "--epochs", "1", "--lr", "1e-3",
                "--out", tmp.resolve("o3").toString());
        expect(1, "line 1: token id 300", "finetune", m, "--data", outOfVocab.toString(), "--lora-rank", "2", "--epochs", "1",
                "--lr", "1e-3", "--out", tmp.resolve("o4").toString());
        expect(2, "--lora-targets: unknown LoRA target module 'qq'", "finetune", m, "--data", good.toString(), "--lora-rank", "2",
                "--lora-targets", "q,qq", "--epochs", "1", "--lr", "1e-3", "--out", tmp.resolve("o5").toString());
        expect(2, "exceeds min(out, in) = 64", "finetune", m, "--data", good.toString(), "--lora-rank", "100", "--epochs", "1",
                "--lr", "1e-3", "--out", tmp.resolve("o6").toString());
        expect(2, "need --lora-rank", "finetune", m, "--data", good.toString(), "--full", "--lora-alpha", "4", "--epochs", "1",
                "--lr", "1e-3", "--out", tmp.resolve("o7").toString());
        expect(2, "--lora-rank", "finetune", m, "--data", good.toString(), "--epochs", "1", "--lr", "1e-3",
                "--out", tmp.resolve("o8").toString());
        // a model whose final-norm weight holds a NaN: the first loss is NaN
        Path nanModel = tmp.resolve("nan-model");
        Checkpoint ck = Checkpoint.open(Fixtures.fixture("mha_tiny").resolve("model"));
        Map<String, Tensor> tensors = new LinkedHashMap<>(ck.tensors());
        float[] norm = ck.get("model.norm.weight").toFloatArray();
        norm[5] = Float.NaN;
        tensors.put("model.norm.weight", Tensor.ofFloats("model.norm.weight", norm, norm.length));
        CheckpointWriter.write(nanModel, ck.configJson(), tensors, null, null, false);
        Run nan = expect(1, "loss is NaN on example", "finetune", nanModel.toString(), "--data", good.toString(), "--lora-rank", "2",
                "--epochs", "2", "--lr", "1e-3", "--out", tmp.resolve("o9").toString());
        assertTrue(nan.err().contains("at step 1; training stopped, last good checkpoint"), nan.err());
        assertTrue(Files.isDirectory(tmp.resolve("o9/checkpoints/step-00000000")));
    }

    @Test
    void forwardGradWritesEveryWeightGradient(@TempDir Path tmp) throws IOException {
        SafetensorsFile exp = Fixtures.expected("mha_tiny");
        String ids = join(Fixtures.tensor(exp, "input_ids").toIntArray());
        String labels = join(Fixtures.tensor(exp, "labels").toIntArray());
        Path out = tmp.resolve("f.safetensors");
        Run r = pkt("forward", model("mha_tiny"), "--ids", ids, "--labels", labels, "--grad", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        SafetensorsFile f = SafetensorsFile.open(out);
        int grads = 0;
        for (Tensor t : exp.tensors().values()) {
            if (t.name().startsWith("grad.")) {
                grads++;
                Close.assertClose(t.name(), f.get(t.name()).toFloatArray(), t.toFloatArray(), 1e-4, 0);
            }
        }
        assertEquals(21, grads);
        assertEquals(Fixtures.tensor(exp, "loss").getFloat(0), f.get("loss").getFloat(0), 1e-5);
        expect(2, "--grad needs --labels", "forward", model("mha_tiny"), "--ids", ids, "--grad", "--out", tmp.resolve("g").toString());
    }

    private static Run expect(int code, String message, String... args) {
        Run r = pkt(args);
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("pkt: ")).count(), "one error line expected: " + r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        return r;
    }

    private static String join(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? "," : "").append(v[i]);
        }
        return sb.toString();
    }
}
