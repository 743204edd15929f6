package org.pkt4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.io.llama2c.Llama2cCheckpoint;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * Writes a model as a Hugging Face directory: a llama2.c checkpoint imported (q/k rows permuted, config.json
 * with transformers 4.x names), or a Hugging Face model in another dtype with the same names and sharding.
 * Tensors are read, converted and written one at a time (rounding to nearest even), so memory holds one
 * converted tensor, never a copy of the model. The output appears only when complete.
 */
public final class ModelConverter {
    private ModelConverter() {
    }

    /**
     * What was written.
     *
     * @param tensors number of tensors
     * @param bytes   bytes of tensor data
     * @param notes   things the user should know (e.g. a tokenizer format transformers cannot read)
     */
    public record Result(Path out, ModelFiles.Format from, int tensors, long bytes, List<String> notes) {
    }

    /**
     * @param dtype the output dtype of float tensors; null keeps each tensor's stored dtype
     * @param force replace {@code out} when it exists
     */
    public static Result convert(ModelFiles src, Path out, DType dtype, boolean force) throws IOException {
        if (dtype != null && !dtype.isFloat()) {
            throw new IllegalArgumentException("output dtype " + dtype + ": expected F32, F16 or BF16");
        }
        if (out.toAbsolutePath().normalize().equals(src.path().toAbsolutePath().normalize())) {
            throw new IllegalArgumentException(out + ": the output is the source model; write to another directory");
        }
        AtomicFiles.checkWritable(out, force, "--force");
        List<String> notes = new ArrayList<>();
        List<PendingTensor> tensors = new ArrayList<>();
        Map<String, Path> side = new LinkedHashMap<>();
        JsonNode config;
        Map<String, String> shardOf = null;
        if (src.format() == ModelFiles.Format.LLAMA2C) {
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(src.path());
            DType to = dtype == null ? DType.F32 : dtype;
            config = HfConfig.withDtype(ck.configJson(), to);
            tensors.addAll(ck.pending(to));
            if (src.tokenizer() == null) {
                notes.add("no tokenizer found beside " + src.path() + " (pass --tokenizer to copy one)");
            }
        } else {
            Checkpoint ck = Checkpoint.open(src.path());
            // every tensor's presence and shape is checked against config.json before anything is written
            Llama.of(ck);
            config = dtype == null ? ck.configJson() : HfConfig.withDtype(ck.configJson(), dtype);
            for (Map.Entry<String, Tensor> e : ck.tensors().entrySet()) {
                tensors.add(dtype == null ? PendingTensor.of(e.getKey(), e.getValue())
                        : PendingTensor.converted(e.getKey(), e.getValue(), dtype));
            }
            shardOf = ck.isSharded() ? ck.shardOf() : null;
            side.putAll(CheckpointWriter.sideFiles(src.path()));
        }
        addTokenizer(src, side, notes);
        CheckpointWriter.write(out, config, tensors, shardOf, side, force);
        long bytes = 0;
        for (PendingTensor t : tensors) {
            bytes += t.byteSize();
        }
        return new Result(out, src.format(), tensors.size(), bytes, notes);
    }

    /** Copies a tokenizer given apart from the model directory (or found beside a .bin) under its standard name. */
    private static void addTokenizer(ModelFiles src, Map<String, Path> side, List<String> notes) throws IOException {
        Path tok = src.tokenizer();
        if (tok == null) {
            return;
        }
        if (Files.isDirectory(tok)) {
            side.putAll(CheckpointWriter.sideFiles(tok));
            return;
        }
        String name = tok.getFileName().toString();
        String as = name.endsWith(".json") ? "tokenizer.json" : name.endsWith(".model") ? "tokenizer.model" : "tokenizer.bin";
        side.put(as, tok);
        if (as.equals("tokenizer.bin")) {
            notes.add("copied " + tok + " as tokenizer.bin, llama2.c's tokenizer format: pkt reads it, Hugging Face"
                    + " transformers does not (it needs tokenizer.json or tokenizer.model)");
        }
    }
}
