package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Fixtures;

/** pkt convert: llama2.c → HF (then generate from it), HF → HF in another dtype, and what it refuses. */
class ConvertCommandTest {

    @TempDir
    Path tmp;

    private static Path bin() {
        return Fixtures.data().resolve("models/stories260K/stories260K.bin");
    }

    @Test
    void llama2cToHfThenGenerate() throws IOException {
        Path out = tmp.resolve("hf");
        Cli r = Cli.run("convert", bin().toString(), "--out", out.toString()).succeeds();
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        assertTrue(r.err().contains("pkt: note:") && r.err().contains("tokenizer.bin"), r.err());
        Checkpoint expected = Checkpoint.open(Fixtures.fixture("stories260K").resolve("model"));
        Checkpoint actual = Checkpoint.open(out);
        for (Map.Entry<String, Tensor> e : expected.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().toArray(ValueLayout.JAVA_BYTE),
                    actual.get(e.getKey()).data().toArray(ValueLayout.JAVA_BYTE), e.getKey());
        }
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.bin")));

        var exp = Fixtures.expected("stories260K");
        String ids = Arrays.stream(Fixtures.tensor(exp, "input_ids").toIntArray()).mapToObj(Integer::toString).collect(Collectors.joining(","));
        JsonNode o = Json.MAPPER.readTree(Cli.run("generate", out.toString(), "--ids", ids, "--max-new-tokens", "32",
                "--json", "--threads", "1").succeeds().out());
        int[] gen = new int[o.get("generated_ids").size()];
        for (int i = 0; i < gen.length; i++) {
            gen[i] = o.get("generated_ids").get(i).asInt();
        }
        assertArrayEquals(Fixtures.tensor(exp, "generated_ids").toIntArray(), gen);
    }

    @Test
    void hfToBf16KeepsShards() throws IOException {
        Path out = tmp.resolve("bf16");
        Cli r = Cli.run("convert", Fixtures.fixture("sharded_f16").resolve("model").toString(), "--out", out.toString(),
                "--dtype", "bf16", "--json").succeeds();
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals("hf", o.get("from").asText());
        assertEquals("bfloat16", o.get("dtype").asText());
        assertTrue(Files.isRegularFile(out.resolve("model-00002-of-00002.safetensors")));
        assertEquals("bfloat16", Json.read(out.resolve("config.json")).get("torch_dtype").asText());
        Checkpoint.open(out).tensors().values().forEach(t -> assertEquals(DType.BF16, t.dtype(), t.name()));
    }

    @Test
    void existingOutputNeedsForce() throws IOException {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("mine.txt"), "keep me");
        Map<String, String> before = BrokenFiles.snapshot(out);
        Cli.run("convert", bin().toString(), "--out", out.toString()).failsWith(1, out.toString(), "already exists", "--force");
        BrokenFiles.assertSameFiles(before, out);
        Cli.run("convert", bin().toString(), "--out", out.toString(), "--force").succeeds();
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.notExists(out.resolve("mine.txt")));
        BrokenFiles.assertNoLeftovers(out);
    }

    @Test
    void failuresLeaveNoOutput() throws IOException {
        // a weight beyond float16's range: refused while writing, after earlier tensors were written
        LlamaConfig c = RandomLlama.config(16, 1, 2, 2, 24, 20);
        Map<String, Tensor> t = RandomLlama.tensors(c, 1, DType.F32, 0.1);
        t.get("model.norm.weight").setFloat(3, 1e9f);
        Path src = tmp.resolve("src");
        CheckpointWriter.write(src, HfConfig.toJson(c), t, null, null, false);
        Path out = tmp.resolve("out");
        Cli.run("convert", src.toString(), "--out", out.toString(), "--dtype", "f16").failsWith(1, "model.norm.weight", "float16");
        BrokenFiles.assertNothingWritten(out);

        // a truncated llama2.c file
        Path cut = tmp.resolve("cut.bin");
        byte[] b = Files.readAllBytes(bin());
        Files.write(cut, Arrays.copyOf(b, b.length - 4));
        Cli.run("convert", cut.toString(), "--out", out.toString()).failsWith(1, cut.toString(), "expected " + b.length + " bytes");
        BrokenFiles.assertNothingWritten(out);
    }

    @Test
    void usageErrors() {
        String src = Fixtures.fixture("mha_tiny").resolve("model").toString();
        Cli.run("convert", src, "--out", tmp.resolve("o").toString(), "--dtype", "int8").failsWith(2, "--dtype", "'int8'");
        Cli.run("convert", src, "--out", src, "--force").failsWith(2, "--out", "is SRC itself");
        Cli.run("convert", src).failsWith(2, "--out");
        Cli.run("convert", tmp.resolve("absent").toString(), "--out", tmp.resolve("o").toString()).failsWith(1, "absent", "not found");
    }
}
