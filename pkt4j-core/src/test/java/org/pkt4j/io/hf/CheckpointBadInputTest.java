package org.pkt4j.io.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.llama.Llama;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Fixtures;

/** Model directories that disagree with themselves: one line naming the file/tensor/key, expected and actual. */
class CheckpointBadInputTest {

    @TempDir
    Path tmp;

    private Path copy(String fixture) throws IOException {
        return BrokenFiles.copyDir(Fixtures.fixture(fixture).resolve("model"), tmp.resolve(fixture));
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = copy("mha_tiny");
        BrokenFiles.editHeader(dir.resolve("model.safetensors"), h -> h.remove("model.layers.1.mlp.up_proj.weight"));
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), dir.toString(), "missing tensor model.layers.1.mlp.up_proj.weight");
    }

    @Test
    void tensorShapeThatDisagreesWithConfig() throws IOException {
        Path dir = copy("mha_tiny");
        BrokenFiles.editJson(dir.resolve("config.json"), c -> c.put("intermediate_size", 170));
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), dir.toString(), "model.layers.0.mlp.gate_proj.weight", "[172, 64]",
                "config.json implies [170, 64]");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        Path dir = copy("mha_tiny");
        BrokenFiles.editJson(dir.resolve("config.json"), c -> c.put("model_type", "gpt2"));
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), dir.resolve("config.json").toString(), "model_type 'gpt2'", "llama, mistral, qwen2");
    }

    @Test
    void malformedConfigJson() throws IOException {
        Path dir = copy("mha_tiny");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 64,,}");
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), dir.resolve("config.json").toString(), "malformed JSON", "line 1");
    }

    @Test
    void configValueOfTheWrongType() throws IOException {
        Path dir = copy("mha_tiny");
        BrokenFiles.editJson(dir.resolve("config.json"), c -> c.put("num_hidden_layers", "two"));
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), "config.json", "num_hidden_layers", "expected a positive integer", "\"two\"");
    }

    @Test
    void missingConfigAndMissingShard() throws IOException {
        Path dir = copy("sharded_f16");
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), "model-00002-of-00002.safetensors");
        Files.delete(dir.resolve("config.json"));
        e = assertThrows(NoSuchFileException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), dir.resolve("config.json").toString());
    }

    @Test
    void integerWeight() throws IOException {
        Path dir = copy("mha_tiny");
        // reinterpret the norm's 64 F32 values as 32 I64 values and declare the shape the config expects... which it cannot be
        BrokenFiles.editHeader(dir.resolve("model.safetensors"), h -> {
            var e = (com.fasterxml.jackson.databind.node.ObjectNode) h.get("model.norm.weight");
            e.put("dtype", "I32");
        });
        FormatException e = assertThrows(FormatException.class, () -> Llama.open(dir));
        assertOneLine(e.getMessage(), "model.norm.weight", "dtype I32", "expected F32, F16 or BF16");
    }
}
