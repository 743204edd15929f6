package org.pkt4j.io.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** Finds and loads the tokenizer of a model directory or a tokenizer file. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Loads {@code path}: a model directory (its {@code tokenizer.json}), a {@code tokenizer.json}, or a
     * llama2.c {@code tokenizer.bin}.
     */
    public static Tokenizer load(Path path) throws IOException {
        // the tokenizer implementations land with the tokenizer work (issue 2); until then this says so
        throw new UnsupportedOperationException(path + ": tokenizer loading is not implemented yet");
    }
}
