package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Fixtures;

/** pkt generate with --ids on the stories260K fixture, and its refusals of bad input. */
class GenerateCommandTest {

    @TempDir
    Path tmp;

    private static final SafetensorsFile EXP = Fixtures.expected("stories260K");
    private static final int[] PROMPT = Fixtures.tensor(EXP, "input_ids").toIntArray();
    private static final int[] GOLDEN = Fixtures.tensor(EXP, "generated_ids").toIntArray();

    private static String model() {
        return Fixtures.fixture("stories260K").resolve("model").toString();
    }

    private static String bin() {
        return Fixtures.data().resolve("models/stories260K/stories260K.bin").toString();
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static int[] intArray(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    @Test
    void greedyJsonMatchesTheFixture() throws IOException {
        for (String m : new String[] {model(), bin()}) {
            Cli r = Cli.run("generate", m, "--ids", ids(PROMPT), "--max-new-tokens", "32", "--json", "--threads", "1").succeeds();
            JsonNode o = Json.MAPPER.readTree(r.out());
            assertArrayEquals(PROMPT, intArray(o.get("prompt_ids")), m);
            assertArrayEquals(GOLDEN, intArray(o.get("generated_ids")), m);
            assertTrue(o.has("text"), m);
            assertEquals(1, r.out().strip().lines().count(), "one JSON line");
        }
        JsonNode o = Json.MAPPER.readTree(Cli.run("generate", model(), "--ids", ids(PROMPT), "--max-new-tokens", "32", "--json").out());
        assertTrue(o.get("text").isNull(), "no tokenizer: text is null");
    }

    @Test
    void withoutTokenizerTheIdsAreStreamed() {
        Cli r = Cli.run("generate", model(), "--ids", ids(PROMPT), "--max-new-tokens", "5", "--threads", "1").succeeds();
        assertEquals(ids(Arrays.copyOf(GOLDEN, 5)), r.out().strip());
    }

    @Test
    void seededSamplingIsReproducible() throws IOException {
        String[] args = {"generate", model(), "--ids", ids(PROMPT), "--max-new-tokens", "24", "--temperature", "1.0",
            "--top-p", "0.9", "--json", "--threads", "1"};
        JsonNode a = Json.MAPPER.readTree(Cli.run(concat(args, "--seed", "7")).succeeds().out());
        JsonNode b = Json.MAPPER.readTree(Cli.run(concat(args, "--seed", "7")).succeeds().out());
        JsonNode c = Json.MAPPER.readTree(Cli.run(concat(args, "--seed", "8")).succeeds().out());
        assertEquals(a.get("generated_ids"), b.get("generated_ids"));
        assertFalse(a.get("generated_ids").equals(c.get("generated_ids")), "another seed, another continuation");
        assertFalse(Arrays.equals(GOLDEN, Arrays.copyOf(intArray(a.get("generated_ids")), 32)), "temperature 1 is not greedy");
    }

    @Test
    void badIds() {
        Cli.run("generate", model(), "--ids", "1,99999,3").failsWith(2, "--ids", "99999", "[0, 512)");
        Cli.run("generate", model(), "--ids", "1,x,3").failsWith(2, "--ids", "'x'");
        Cli.run("generate", model(), "--ids", "1,-7").failsWith(2, "--ids", "-7");
        Cli.run("generate", model(), "--ids", "-100").failsWith(2, "--ids", "-100");
    }

    @Test
    void badFlags() {
        Cli.run("generate", model(), "--ids", "1", "--bogus").failsWith(2, "--bogus");
        Cli.run("generate", model(), "--ids", "1", "--top-p", "0").failsWith(2, "--top-p", "(0, 1]", "0.0");
        Cli.run("generate", model(), "--ids", "1", "--temperature", "-1").failsWith(2, "--temperature", "-1.0");
        Cli.run("generate", model(), "--ids", "1", "--max-new-tokens", "-3").failsWith(2, "--max-new-tokens", "-3");
        Cli.run("generate", model(), "--ids", "1", "--max-new-tokens", "600").failsWith(2, "--max-new-tokens", "max_position_embeddings 512");
        Cli.run("generate", model(), "--ids", "1", "--prompt", "hi").failsWith(2, "--ids", "--prompt");
        Cli.run("generate", model()).failsWith(2, "--prompt", "--ids");
        Cli.run("generate", model(), "--prompt", "Once").failsWith(2, "--prompt", "needs a tokenizer", "--tokenizer");
    }

    @Test
    void badModel() throws IOException {
        Path absent = tmp.resolve("absent");
        Cli.run("generate", absent.toString(), "--ids", "1").failsWith(1, absent.toString(), "not found");
        Path dir = BrokenFiles.copyDir(Path.of(model()), tmp.resolve("m"));
        Path st = dir.resolve("model.safetensors");
        BrokenFiles.truncate(st, Files.size(st) - 100);
        Cli.run("generate", dir.toString(), "--ids", "1").failsWith(1, st.toString(), "truncated");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
