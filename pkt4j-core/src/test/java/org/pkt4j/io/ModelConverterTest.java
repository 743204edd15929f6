package org.pkt4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Close;
import org.pkt4j.testing.Fixtures;

/**
 * llama2.c → HF gives the fixture's directory (tensors bit for bit, config.json, tokenizer copied); HF → HF
 * in another dtype keeps names and sharding and rounds to nearest even; failures leave nothing behind.
 */
class ModelConverterTest {

    @TempDir
    Path tmp;

    private static Path storiesBin() {
        return Fixtures.data().resolve("models/stories260K/stories260K.bin");
    }

    @Test
    void llama2cToHfEqualsTheFixture() throws IOException {
        Path out = tmp.resolve("hf");
        ModelConverter.Result r = ModelConverter.convert(ModelFiles.locate(storiesBin(), null), out, null, false);
        Path fixture = Fixtures.fixture("stories260K").resolve("model");
        Checkpoint expected = Checkpoint.open(fixture);
        Checkpoint actual = Checkpoint.open(out);
        assertEquals(expected.tensors().keySet(), new java.util.TreeSet<>(actual.tensors().keySet()));
        for (String name : expected.tensors().keySet()) {
            assertBits(expected.get(name), actual.get(name), DType.F32);
        }
        assertEquals(Json.read(fixture.resolve("config.json")), Json.read(out.resolve("config.json")));
        assertArrayEquals(Files.readAllBytes(storiesBin().resolveSibling("tok512.bin")), Files.readAllBytes(out.resolve("tokenizer.bin")));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("transformers does not")), r.notes().toString());
        assertEquals(expected.tensors().size(), r.tensors());
    }

    @Test
    void llama2cToBf16RoundsEveryWeight() throws IOException {
        Path out = tmp.resolve("bf16");
        ModelConverter.convert(ModelFiles.locate(storiesBin(), null), out, DType.BF16, false);
        Checkpoint expected = Checkpoint.open(Fixtures.fixture("stories260K").resolve("model"));
        Checkpoint actual = Checkpoint.open(out);
        for (String name : expected.tensors().keySet()) {
            assertBits(expected.get(name), actual.get(name), DType.BF16);
        }
        assertEquals("bfloat16", Json.read(out.resolve("config.json")).get("torch_dtype").asText());
        assertEquals("bfloat16", Llama.open(out).config().dtype());
    }

    @Test
    void hfToHfKeepsShardingAndNames() throws IOException {
        Path src = Fixtures.fixture("sharded_f16").resolve("model");
        Path out = tmp.resolve("f32");
        ModelConverter.convert(ModelFiles.locate(src, null), out, DType.F32, false);
        Checkpoint a = Checkpoint.open(src);
        Checkpoint b = Checkpoint.open(out);
        assertTrue(b.isSharded());
        assertEquals(a.shardOf(), new java.util.TreeMap<>(b.shardOf()));
        for (String name : a.tensors().keySet()) {
            assertBits(a.get(name), b.get(name), DType.F32);
        }
        JsonNode cfg = Json.read(out.resolve("config.json"));
        assertEquals("float32", cfg.get("torch_dtype").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) cfg).put("torch_dtype", "float16");
        assertEquals(Json.read(src.resolve("config.json")), cfg, "only the dtype changes");

        // F16 -> BF16 goes through the exact float value, then rounds to nearest even
        Path bf = tmp.resolve("bf16");
        ModelConverter.convert(ModelFiles.locate(src, null), bf, DType.BF16, false);
        for (String name : a.tensors().keySet()) {
            assertBits(a.get(name), Checkpoint.open(bf).get(name), DType.BF16);
        }
    }

    @Test
    void transformers5ConfigKeepsItsDtypeKey() throws IOException {
        Path src = Fixtures.fixture("llama3_rope").resolve("model");
        Path out = tmp.resolve("bf16");
        ModelConverter.convert(ModelFiles.locate(src, null), out, DType.BF16, false);
        JsonNode cfg = Json.read(out.resolve("config.json"));
        assertEquals("bfloat16", cfg.get("dtype").asText());
        assertFalse(cfg.has("torch_dtype"));
        assertTrue(Files.isRegularFile(out.resolve("generation_config.json")), "side files are copied");
        // the BF16 model still computes the fixture's logits to BF16 accuracy
        var exp = Fixtures.expected("llama3_rope");
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        float[] logits = new LlamaForward(Llama.open(out), ExecutionContext.of(2)).logits(ids);
        Close.assertClose("bf16 llama3_rope logits", logits, Fixtures.tensor(exp, "logits").toFloatArray(), 0.05, 0.05);
    }

    @Test
    void overflowFailsAndLeavesNothing() throws IOException {
        LlamaConfig c = RandomLlama.config(16, 1, 2, 2, 24, 20);
        Map<String, Tensor> t = new LinkedHashMap<>(RandomLlama.tensors(c, 1, DType.F32, 0.1));
        t.get("model.layers.0.mlp.up_proj.weight").setFloat(5, 1e6f);
        Path src = tmp.resolve("src");
        CheckpointWriter.write(src, HfConfig.toJson(c), t, null, null, false);

        Path out = tmp.resolve("out");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConverter.convert(ModelFiles.locate(src, null), out, DType.F16, false));
        assertOneLine(e.getMessage(), "model.layers.0.mlp.up_proj.weight", "1000000", "float16");
        BrokenFiles.assertNothingWritten(out);

        // with --force onto an existing model: it is left as it was
        ModelConverter.convert(ModelFiles.locate(src, null), out, DType.BF16, false);
        Map<String, String> before = BrokenFiles.snapshot(out);
        assertThrows(IllegalArgumentException.class, () -> ModelConverter.convert(ModelFiles.locate(src, null), out, DType.F16, true));
        BrokenFiles.assertSameFiles(before, out);
        BrokenFiles.assertNoLeftovers(out);
    }

    @Test
    void refusals() throws IOException {
        Path src = Fixtures.fixture("mha_tiny").resolve("model");
        Path out = tmp.resolve("exists");
        Files.createDirectories(out);
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> ModelConverter.convert(ModelFiles.locate(src, null), out, DType.BF16, false));
        assertOneLine(e.getMessage(), out.toString(), "--force");
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> ModelConverter.convert(ModelFiles.locate(src, null), src, DType.BF16, true));
        assertOneLine(same.getMessage(), "is the source model");

        // a source whose tensors disagree with its config is refused before anything is written
        Path bad = BrokenFiles.copyDir(src, tmp.resolve("bad"));
        BrokenFiles.editJson(bad.resolve("config.json"), cfg -> cfg.put("hidden_size", 32));
        Path out2 = tmp.resolve("out2");
        IOException fe = assertThrows(IOException.class, () -> ModelConverter.convert(ModelFiles.locate(bad, null), out2, DType.BF16, false));
        assertOneLine(fe.getMessage(), "model.embed_tokens.weight", "config.json implies");
        BrokenFiles.assertNothingWritten(out2);
    }

    /** actual == expected rounded to {@code dtype} (RNE from the exact float value), bit for bit. */
    private static void assertBits(Tensor expected, Tensor actual, DType dtype) {
        assertEquals(dtype, actual.dtype(), expected.name());
        assertArrayEquals(expected.shape(), actual.shape(), expected.name());
        Tensor rounded = Tensor.allocate("r", dtype, expected.shape());
        for (long i = 0; i < expected.numel(); i++) {
            rounded.setFloat(i, expected.getFloat(i));
        }
        assertArrayEquals(rounded.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                actual.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), expected.name());
    }
}
