package org.pkt4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.llama.Llama;
import org.pkt4j.testing.Fixtures;

/** A MODEL argument: HF directory or llama2.c .bin, and where its tokenizer is found. */
class ModelFilesTest {

    @TempDir
    Path tmp;

    private static Path storiesBin() {
        return Fixtures.data().resolve("models/stories260K/stories260K.bin");
    }

    @Test
    void hfDirectory() throws IOException {
        Path dir = Fixtures.fixture("stories260K").resolve("model");
        ModelFiles f = ModelFiles.locate(dir, null);
        assertEquals(ModelFiles.Format.HF, f.format());
        assertNull(f.tokenizer(), "the fixture directory holds no tokenizer");
        assertEquals(512, f.open().config().vocabSize());

        Path copy = org.pkt4j.testing.BrokenFiles.copyDir(dir, tmp.resolve("m"));
        Files.writeString(copy.resolve("tokenizer.bin"), "x");
        assertEquals(copy.resolve("tokenizer.bin"), ModelFiles.locate(copy, null).tokenizer());
        Files.writeString(copy.resolve("tokenizer.json"), "{}");
        assertEquals(copy.resolve("tokenizer.json"), ModelFiles.locate(copy, null).tokenizer(), "tokenizer.json is preferred");
    }

    @Test
    void llama2cBinAndItsTokenizer() throws IOException {
        ModelFiles f = ModelFiles.locate(storiesBin(), null);
        assertEquals(ModelFiles.Format.LLAMA2C, f.format());
        assertEquals("tok512.bin", f.tokenizer().getFileName().toString(), "the only tok*.bin beside it");
        Llama m = ModelFiles.open(storiesBin());
        assertEquals(5, m.config().numLayers());

        Path bin = Files.copy(storiesBin(), tmp.resolve("model.bin"));
        assertNull(ModelFiles.locate(bin, null).tokenizer());
        Files.writeString(tmp.resolve("tok1.bin"), "a");
        Files.writeString(tmp.resolve("tok2.bin"), "b");
        assertNull(ModelFiles.locate(bin, null).tokenizer(), "two candidates: none is guessed");
        Files.writeString(tmp.resolve("tokenizer.bin"), "c");
        assertEquals(tmp.resolve("tokenizer.bin").toAbsolutePath(), ModelFiles.locate(bin, null).tokenizer());
        assertEquals(tmp.resolve("tok2.bin"), ModelFiles.locate(bin, tmp.resolve("tok2.bin")).tokenizer(), "explicit wins");
    }

    @Test
    void badPaths() throws IOException {
        Path absent = tmp.resolve("nope");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelFiles.open(absent));
        assertOneLine(e.getMessage(), absent.toString(), "model not found");

        Path st = Files.copy(Fixtures.fixture("stories260K").resolve("model/model.safetensors"), tmp.resolve("model.safetensors"));
        FormatException fe = assertThrows(FormatException.class, () -> ModelFiles.open(st));
        assertOneLine(fe.getMessage(), st.toString(), "expected a Hugging Face model directory", "pass the directory");

        Path tok = tmp.resolve("missing-tokenizer.bin");
        e = assertThrows(NoSuchFileException.class, () -> ModelFiles.locate(storiesBin(), tok));
        assertOneLine(e.getMessage(), tok.toString(), "tokenizer not found");
    }
}
