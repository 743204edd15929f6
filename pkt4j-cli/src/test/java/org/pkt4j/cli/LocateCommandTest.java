package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.testing.Fixtures;

/** {@code pkt locate} end to end on the pkt_pair fixture, and its one-line errors on bad input. */
class LocateCommandTest {
    private static final String IDS = "4,10,81,51,20,65,6,5,103";

    record Run(int code, String out, String err) {
    }

    static Run pkt(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String source() {
        return Fixtures.fixture("pkt_pair").resolve("source").toString();
    }

    static String target() {
        return Fixtures.fixture("pkt_pair").resolve("target").toString();
    }

    @Test
    void idFormReproducesTheReferenceSelection(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("located.json");
        Run r = pkt("locate", source(), "--ids", IDS, "--target-id", "96", "--rate", "0.25", "--target", target(),
                "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("locate: traced example 1/1") && r.err().contains("layer 4/4 scored"), r.err());
        JsonNode j = Json.read(out);
        var exp = Fixtures.expected("pkt_pair");
        assertEquals("pkt4j.located/1", j.path("format").asText());
        assertArrayEquals(Fixtures.tensor(exp, "attr.source.attn_layers").toIntArray(), ints(j.path("kept_layers").path("attn")));
        assertArrayEquals(Fixtures.tensor(exp, "attr.source.ffn_layers").toIntArray(), ints(j.path("kept_layers").path("ffn")));
        assertArrayEquals(Fixtures.tensor(exp, "attr.source.ffn_neurons").toIntArray(), flat(j.path("neurons").path("ffn")));
        assertArrayEquals(Fixtures.tensor(exp, "attr.source.attn_neurons").toIntArray(), flat(j.path("neurons").path("attn")));
        assertEquals(4, j.path("layer_scores").path("ffn").size());
        assertEquals("reference", j.path("options").path("compat").asText());
        assertEquals("exact", j.path("options").path("attribution").asText());
        assertEquals(List.of("v_proj", "o_proj", "up_proj", "down_proj"), strings(j.path("options").path("modules")));
        SafetensorsFile st = SafetensorsFile.open(dir.resolve("located.safetensors"));
        assertArrayEquals(new long[] {4, 192}, st.get("ffn_scores").shape());
        assertArrayEquals(new long[] {4, 64}, st.get("attn_scores").shape());

        Run again = pkt("locate", source(), "--ids", IDS, "--target-id", "96", "--rate", "0.25", "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("--force"), again.err());
    }

    @Test
    void locateRecordsFromADataFileWithFastMode(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("ids.jsonl");
        Files.writeString(data, "{\"context_ids\": [" + IDS + "], \"target_id\": 96}\n{\"context_ids\": [4, 10, 81], \"target_id\": 51}\n");
        Path out = dir.resolve("fast.json");
        Run r = pkt("locate", source(), "--data", data.toString(), "--all", "--rate", "0.25", "--layers", "2",
                "--attribution", "fast", "--compat", "exact-rmsnorm", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.read(out);
        assertEquals(2, j.path("examples").path("count").asInt());
        assertEquals(2, j.path("kept_layers").path("attn").size());
        assertEquals(48, j.path("neurons").path("ffn").path(0).size()); // floor(192 · 0.25): sized by the model itself
        assertTrue(j.path("attribution").asText().contains("linearisation"), j.path("attribution").asText());
    }

    @Test
    void badInputGivesOneLineErrors(@TempDir Path dir) throws IOException {
        String out = dir.resolve("x.json").toString();
        List<String[]> usage = new ArrayList<>();
        usage.add(new String[] {"--rate", "0"});
        usage.add(new String[] {"--rate", "1.5"});
        usage.add(new String[] {"--rate", "0.25", "--layers", "5"});
        usage.add(new String[] {"--rate", "0.001"});
        usage.add(new String[] {"--rate", "0.25", "--compat", "rms"});
        usage.add(new String[] {"--rate", "0.25", "--modules", "up,gate"});
        for (String[] flags : usage) {
            List<String> args = new ArrayList<>(List.of("locate", source(), "--ids", IDS, "--target-id", "96", "--out", out));
            args.addAll(Arrays.asList(flags));
            Run r = pkt(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", flags) + ": " + r.err());
            assertTrue(r.err().startsWith("pkt: "), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        }
        Run both = pkt("locate", source(), "--ids", IDS, "--rate", "0.25", "--out", out);
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--target-id"), both.err());

        Path training = dir.resolve("train.jsonl");
        Files.writeString(training, "{\"input_ids\": [4, 10, 81], \"labels\": [-100, 10, 81]}\n");
        Run tr = pkt("locate", source(), "--data", training.toString(), "--all", "--rate", "0.25", "--out", out);
        assertEquals(1, tr.code());
        assertTrue(tr.err().contains("train.jsonl: line 1: a training record"), tr.err());

        Path chat = dir.resolve("chat.jsonl");
        Files.writeString(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \" .]\"}]}\n");
        Run empty = pkt("locate", source(), "--data", chat.toString(), "--example", "0", "--rate", "0.25", "--out", out);
        assertEquals(1, empty.code());
        assertTrue(empty.err().contains("chat.jsonl: line 1:") && empty.err().contains("empty after stripping"), empty.err());
        assertEquals(1, empty.err().strip().lines().count(), empty.err());

        Run outOfRange = pkt("locate", source(), "--data", chat.toString(), "--example", "3", "--rate", "0.25", "--out", out);
        assertEquals(2, outOfRange.code());
        assertTrue(outOfRange.err().contains("--example"), outOfRange.err());
        assertFalse(Files.exists(Path.of(out)));
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static int[] flat(JsonNode rows) {
        List<Integer> out = new ArrayList<>();
        rows.forEach(r -> r.forEach(v -> out.add(v.asInt())));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(v -> out.add(v.asText()));
        return out;
    }
}
