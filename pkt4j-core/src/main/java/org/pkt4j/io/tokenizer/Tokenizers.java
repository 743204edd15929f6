package org.pkt4j.io.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.pkt4j.io.FormatException;

/** Finds and loads the tokenizer of a model directory or a tokenizer file. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Loads {@code path}: a model directory (its {@code tokenizer.json}, else its llama2.c
     * {@code tokenizer.bin}), a {@code tokenizer.json} (any {@code .json} name), or a llama2.c tokenizer file
     * (any other name, e.g. {@code tok512.bin}). A missing path is a {@link NoSuchFileException}; an unreadable
     * or unsupported file a {@link FormatException} naming it.
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path json = path.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) {
                return HfTokenizer.load(json);
            }
            Path bin = path.resolve("tokenizer.bin");
            if (Files.isRegularFile(bin)) {
                return Llama2cTokenizer.load(bin);
            }
            throw new NoSuchFileException(path.toString(), null, "no tokenizer.json or tokenizer.bin in this directory");
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "tokenizer not found");
        }
        return path.getFileName().toString().endsWith(".json") ? HfTokenizer.load(path) : Llama2cTokenizer.load(path);
    }
}
