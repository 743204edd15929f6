package org.pkt4j.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.tensor.Tensor;

/**
 * Writes a Hugging Face model directory atomically: config.json, the weights (single file, or the same
 * shards and index as a template checkpoint), and the tokenizer files copied from a source directory.
 * The whole directory is built under a temporary name and renamed into place when complete, so a failure
 * at any point (an I/O error, a tensor that cannot be produced) leaves the destination as it was.
 */
public final class CheckpointWriter {
    private CheckpointWriter() {
    }

    /** Tokenizer and generation files copied when present. */
    public static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "generation_config.json", "tokenizer.bin");

    /**
     * @param dest      the output directory (refused when it exists, unless {@code force})
     * @param config    config.json content, written as is
     * @param tensors   the tensors to write, by name (iteration order is the file order)
     * @param shardOf   tensor name -> shard file name (from a template checkpoint), or null for one file
     * @param sideFrom  directory whose tokenizer/generation files are copied, or null
     */
    public static void write(Path dest, JsonNode config, Map<String, Tensor> tensors, Map<String, String> shardOf,
                             Path sideFrom, boolean force) throws IOException {
        List<PendingTensor> pending = new ArrayList<>();
        tensors.forEach((name, t) -> pending.add(PendingTensor.of(name, t)));
        write(dest, config, pending, shardOf, sideFiles(sideFrom), force);
    }

    /**
     * The streaming form: each tensor is produced only when its bytes are written.
     *
     * @param sideFiles file name in {@code dest} -> source file to copy there
     */
    public static void write(Path dest, JsonNode config, List<PendingTensor> tensors, Map<String, String> shardOf,
                             Map<String, Path> sideFiles, boolean force) throws IOException {
        AtomicFiles.writeDirectory(dest, force, tmp -> {
            Files.writeString(tmp.resolve("config.json"), Json.write(config) + "\n");
            Map<String, String> meta = Map.of("format", "pt");
            if (shardOf == null || Set.copyOf(shardOf.values()).size() <= 1) {
                SafetensorsWriter.writePendingTo(tmp.resolve(Checkpoint.SINGLE), tensors, meta);
            } else {
                Map<String, List<PendingTensor>> byShard = new TreeMap<>();
                Map<String, String> weightMap = new TreeMap<>();
                long total = 0;
                for (PendingTensor t : tensors) {
                    String shard = shardOf.get(t.name());
                    if (shard == null) {
                        throw new IllegalArgumentException("tensor " + t.name() + " has no shard in the template");
                    }
                    byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(t);
                    weightMap.put(t.name(), shard);
                    total += t.byteSize();
                }
                for (Map.Entry<String, List<PendingTensor>> e : byShard.entrySet()) {
                    SafetensorsWriter.writePendingTo(tmp.resolve(e.getKey()), e.getValue(), meta);
                }
                Map<String, Object> index = new LinkedHashMap<>();
                index.put("metadata", Map.of("total_size", total));
                index.put("weight_map", weightMap);
                Files.writeString(tmp.resolve(Checkpoint.INDEX), Json.write(index) + "\n");
            }
            for (Map.Entry<String, Path> e : sideFiles.entrySet()) {
                Files.copy(e.getValue(), tmp.resolve(e.getKey()));
            }
        });
    }

    /** The {@link #SIDE_FILES} present in {@code dir} (none when {@code dir} is null). */
    public static Map<String, Path> sideFiles(Path dir) {
        Map<String, Path> out = new LinkedHashMap<>();
        if (dir != null) {
            for (String f : SIDE_FILES) {
                Path src = dir.resolve(f);
                if (Files.isRegularFile(src)) {
                    out.put(f, src);
                }
            }
        }
        return out;
    }
}
