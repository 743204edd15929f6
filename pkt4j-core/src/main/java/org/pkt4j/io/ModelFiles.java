package org.pkt4j.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pkt4j.io.llama2c.Llama2cCheckpoint;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;

/**
 * What a MODEL argument names: a Hugging Face model directory or a llama2.c {@code .bin} checkpoint, and
 * the tokenizer file that goes with it (given explicitly, or found beside the weights). Locating checks
 * only that the files exist; {@link #open()} reads and checks the weights.
 *
 * @param path      the model directory or .bin file
 * @param format    which of the two it is
 * @param tokenizer the tokenizer file, or null when none was given or found
 */
public record ModelFiles(Path path, Format format, Path tokenizer) {

    /** The two on-disk model formats pkt4j reads. */
    public enum Format {
        /** config.json + model.safetensors (or shards and an index). */
        HF,
        /** llama2.c's run.c checkpoint: one fp32 .bin file. */
        LLAMA2C
    }

    /** Opens a model directory or llama2.c .bin (its tokenizer is not needed for this). */
    public static Llama open(Path model) throws IOException {
        return locate(model, null).open();
    }

    /**
     * Finds the model's files. The tokenizer is {@code tokenizer} when given; else, for a directory, its
     * {@code tokenizer.json} or {@code tokenizer.bin}; for a .bin, a {@code tokenizer.bin} beside it, or the
     * only {@code tok*.bin} beside it (llama2.c names custom tokenizers {@code tok512.bin} and the like).
     */
    public static ModelFiles locate(Path model, Path tokenizer) throws IOException {
        if (!Files.exists(model)) {
            throw new NoSuchFileException(model.toString(), null,
                    "model not found (expected a Hugging Face model directory or a llama2.c .bin checkpoint)");
        }
        Format format;
        if (Files.isDirectory(model)) {
            format = Format.HF;
        } else if (model.getFileName().toString().endsWith(".bin")) {
            format = Format.LLAMA2C;
        } else {
            String hint = model.getFileName().toString().endsWith(".safetensors") ? "; pass the directory that holds it" : "";
            throw new FormatException(model, "expected a Hugging Face model directory or a llama2.c .bin checkpoint" + hint);
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer) && !Files.isDirectory(tokenizer)) {
            throw new NoSuchFileException(tokenizer.toString(), null, "tokenizer not found");
        }
        Path tok = tokenizer != null ? tokenizer : format == Format.HF ? besideDirectory(model) : besideBin(model);
        return new ModelFiles(model, format, tok);
    }

    /** Reads the weights (memory-mapped) and checks every tensor against the config. */
    public Llama open() throws IOException {
        return switch (format) {
            case HF -> Llama.open(path);
            case LLAMA2C -> Llama2cCheckpoint.open(path).load();
        };
    }

    /** The tokenizer, or null when there is none. */
    public Tokenizer loadTokenizer() throws IOException {
        return tokenizer == null ? null : Tokenizers.load(tokenizer);
    }

    private static Path besideDirectory(Path dir) {
        for (String name : List.of("tokenizer.json", "tokenizer.bin")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        return null;
    }

    private static Path besideBin(Path bin) throws IOException {
        Path dir = bin.toAbsolutePath().getParent();
        Path standard = dir.resolve("tokenizer.bin");
        if (Files.isRegularFile(standard) && !Files.isSameFile(standard, bin)) {
            return standard;
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "tok*.bin")) {
            for (Path p : s) {
                if (Files.isRegularFile(p) && !Files.isSameFile(p, bin)) {
                    candidates.add(p);
                }
            }
        }
        return candidates.size() == 1 ? candidates.get(0) : null;
    }
}
