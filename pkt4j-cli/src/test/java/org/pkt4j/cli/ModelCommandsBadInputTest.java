package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Close;
import org.pkt4j.testing.Fixtures;

/**
 * pkt info / pkt forward on damaged model directories: exit 1, one line naming the file and what was expected,
 * nothing written; and forward on a llama2.c .bin reproducing the fixture logits.
 */
class ModelCommandsBadInputTest {
    private static final String UP = "model.layers.1.mlp.up_proj.weight";

    @TempDir
    Path tmp;

    /** A copy of mha_tiny broken in the named way; returns the fragments the error line must contain. */
    private String[] breakModel(Path dir, String how) throws IOException {
        Path st = dir.resolve("model.safetensors");
        Path cfg = dir.resolve("config.json");
        switch (how) {
            case "truncated" -> {
                BrokenFiles.truncate(st, Files.size(st) - 10);
                return new String[] {st.toString(), "truncated", "expected at least " + (Files.size(st) + 10)};
            }
            case "header-length" -> {
                BrokenFiles.writeRaw(st, 1L << 40, "{}".getBytes(StandardCharsets.UTF_8), new byte[8]);
                return new String[] {st.toString(), "header length " + (1L << 40), "past the end"};
            }
            case "header-not-json" -> {
                byte[] h = "<html>".getBytes(StandardCharsets.UTF_8);
                BrokenFiles.writeRaw(st, h.length, h, new byte[8]);
                return new String[] {st.toString(), "not JSON"};
            }
            case "offsets" -> {
                BrokenFiles.editHeader(st, h -> ((ArrayNode) h.get(UP).get("data_offsets")).removeAll().add(0).add(1L << 30));
                return new String[] {st.toString(), UP, "truncated file or bad header"};
            }
            case "dtype" -> {
                BrokenFiles.editHeader(st, h -> ((ObjectNode) h.get(UP)).put("dtype", "U8"));
                return new String[] {st.toString(), UP, "unsupported dtype U8"};
            }
            case "missing-tensor" -> {
                BrokenFiles.editHeader(st, h -> h.remove(UP));
                return new String[] {dir.toString(), "missing tensor " + UP};
            }
            case "shape" -> {
                BrokenFiles.editJson(cfg, c -> c.put("vocab_size", 95));
                return new String[] {"model.embed_tokens.weight", "[96, 64]", "config.json implies [95, 64]"};
            }
            case "architecture" -> {
                BrokenFiles.editJson(cfg, c -> c.put("model_type", "falcon"));
                return new String[] {cfg.toString(), "model_type 'falcon'"};
            }
            case "config-json" -> {
                Files.writeString(cfg, "{\"model_type\": llama}");
                return new String[] {cfg.toString(), "malformed JSON"};
            }
            default -> throw new IllegalArgumentException(how);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncated", "header-length", "header-not-json", "offsets", "dtype", "missing-tensor", "shape",
        "architecture", "config-json"})
    void damagedModelIsRefused(String how) throws IOException {
        Path dir = BrokenFiles.copyDir(Fixtures.fixture("mha_tiny").resolve("model"), tmp.resolve("m"));
        String[] fragments = breakModel(dir, how);
        Cli.run("info", dir.toString()).failsWith(1, fragments);
        Path out = tmp.resolve("logits.safetensors");
        Cli.run("forward", dir.toString(), "--ids", "1,2,3", "--out", out.toString(), "--threads", "1").failsWith(1, fragments);
        BrokenFiles.assertNothingWritten(out);
    }

    @Test
    void forwardOnLlama2cBinMatchesTheFixture() throws IOException {
        SafetensorsFile exp = Fixtures.expected("stories260K");
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            s.append(s.isEmpty() ? "" : ",").append(id);
        }
        Path out = tmp.resolve("f.safetensors");
        Cli.run("forward", Fixtures.data().resolve("models/stories260K/stories260K.bin").toString(), "--ids", s.toString(),
                "--out", out.toString(), "--threads", "1").succeeds();
        float[] expected = Fixtures.tensor(exp, "logits").toFloatArray();
        Close.assertClose("forward logits", SafetensorsFile.open(out).get("logits").toFloatArray(), expected, 0,
                2e-5 * Math.max(1, Close.maxAbs(expected)));
    }

    @Test
    void forwardRefusals() throws IOException {
        String model = Fixtures.fixture("mha_tiny").resolve("model").toString();
        Path out = tmp.resolve("o.safetensors");
        Cli.run("forward", model, "--ids", "1,96", "--out", out.toString()).failsWith(2, "--ids", "96", "[0, 96)");
        Cli.run("forward", model, "--ids", "1,2", "--labels", "2,500", "--out", out.toString()).failsWith(2, "--labels", "500");
        Cli.run("forward", model, "--ids", "1,2", "--labels", "2", "--out", out.toString()).failsWith(2, "--labels", "expected 2");
        Cli.run("forward", model, "--ids", "1,two", "--out", out.toString()).failsWith(2, "--ids", "'two'");
        Cli.run("forward", model, "--ids", "1", "--out", out.toString(), "--frobnicate").failsWith(2, "--frobnicate");
        BrokenFiles.assertNothingWritten(out);

        Files.writeString(out, "old");
        Cli.run("forward", model, "--ids", "1,2", "--out", out.toString()).failsWith(1, out.toString(), "--force");
        assertEquals("old", Files.readString(out));
        Cli.run("forward", model, "--ids", "1,2", "--labels", "-100,2", "--out", out.toString(), "--force", "--threads", "1").succeeds();
        assertEquals(Map.of("format", "pt", "producer", "pkt4j forward"), SafetensorsFile.open(out).metadata());
        BrokenFiles.assertNoLeftovers(out);
    }

    @Test
    void infoOnBothFormats() throws IOException {
        JsonNode bin = Json.MAPPER.readTree(Cli.run("info", Fixtures.data().resolve("models/stories260K/stories260K.bin").toString(),
                "--json").succeeds().out());
        assertEquals("llama2.c", bin.get("format").asText());
        assertEquals(260032, bin.get("parameters").asLong());
        assertTrue(bin.get("tokenizer").get("path").asText().endsWith("tok512.bin"));
        JsonNode hf = Json.MAPPER.readTree(Cli.run("info", Fixtures.fixture("sharded_f16").resolve("model").toString(),
                "--json").succeeds().out());
        assertEquals("hf", hf.get("format").asText());
        assertTrue(hf.get("sharded").asBoolean());
        assertTrue(hf.get("tokenizer").isNull());
        assertEquals(Json.MAPPER.readTree("{\"F16\": " + hf.get("parameters").asLong() + "}"), hf.get("dtypes"));
    }
}
