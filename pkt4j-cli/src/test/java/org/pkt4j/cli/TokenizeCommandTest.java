package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/** {@code pkt tokenize}: JSON ids for the shipped tokenizers, the readable form, one-line errors; and the tokenizer line of {@code pkt info}. */
class TokenizeCommandTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static int[] ids(String json) throws Exception {
        return Json.MAPPER.readValue(Json.MAPPER.readTree(json).get("ids").toString(), int[].class);
    }

    @Test
    void jsonIdsOfAModelDirectoryAndOfATokenizerFile() throws Exception {
        Path tokenizers = Fixtures.data().resolve("tokenizers");
        Result r = run("tokenize", tokenizers.resolve("tinyllama-chat-hf").toString(), "--text", "Hello world", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ids(r.out())).containsExactly(15043, 3186); // ▁Hello ▁world, no BOS
        Result bos = run("tokenize", tokenizers.resolve("tinyllama-chat-hf/tokenizer.json").toString(), "--text", "Hello world", "--json", "--bos");
        assertThat(ids(bos.out())).containsExactly(1, 15043, 3186);
        Result bin = run("tokenize", Fixtures.fixture("stories260K").resolve("tok512.bin").toString(), "--text", "Once upon a time", "--json");
        assertThat(bin.code()).as(bin.err()).isZero();
        assertThat(ids(bin.out())).hasSizeBetween(3, 8);
    }

    @Test
    void chatRendersTheUserPromptFirst() throws Exception {
        String gpt2 = Fixtures.data().resolve("tokenizers/gpt2").toString();
        int[] chat = ids(run("tokenize", gpt2, "--text", "  Hi  ", "--chat", "--json").out());
        int[] plain = ids(run("tokenize", gpt2, "--text", "<|user|>\nHi\n\n<|assistant|>\n", "--json").out());
        assertThat(chat).containsExactly(plain);
    }

    @Test
    void readableFormShowsIdsAndEscapedPieces() {
        Result r = run("tokenize", Fixtures.data().resolve("tokenizers/tinyllama-chat-hf").toString(), "--text", "Hi\nthere");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("3 tokens\n").contains("'▁Hi'").contains("'<0x0A>'").contains("'there'");
    }

    @Test
    void aBadPathIsOneLineAndExitOne() {
        Result r = run("tokenize", "/no/such/model", "--text", "x", "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("/no/such/model");
    }

    @Test
    void aMissingTextIsAUsageError() {
        Result r = run("tokenize", "/no/such/model");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--text");
    }

    @Test
    void infoSummarisesTheTokenizerOfAModelDirectory(@TempDir Path dir) throws Exception {
        Path fixture = Fixtures.fixture("stories260K");
        try (var files = Files.list(fixture.resolve("model"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.copy(fixture.resolve("tok512.bin"), dir.resolve("tokenizer.bin"));
        Result r = run("info", dir.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        var tok = Json.MAPPER.readTree(r.out()).get("tokenizer");
        assertThat(tok.get("path").asText()).endsWith("tokenizer.bin");
        assertThat(tok.get("vocab_size").asInt()).isEqualTo(512);
        assertThat(tok.get("bos_id").asInt()).isEqualTo(1);
    }
}
