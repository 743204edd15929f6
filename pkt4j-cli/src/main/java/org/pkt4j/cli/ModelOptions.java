package org.pkt4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.pkt4j.io.ModelFiles;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The MODEL argument (Hugging Face directory or llama2.c .bin) and its --tokenizer, shared by commands. */
final class ModelOptions {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory, or llama2.c .bin checkpoint")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer file (tokenizer.json or llama2.c tokenizer.bin); default: the one beside MODEL")
    Path tokenizer;

    ModelFiles locate() throws IOException {
        return ModelFiles.locate(model, tokenizer);
    }
}
