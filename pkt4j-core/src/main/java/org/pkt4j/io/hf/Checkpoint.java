package org.pkt4j.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.Tensor;

/**
 * A Hugging Face model directory opened for reading: {@code config.json}, and the weights memory-mapped
 * from {@code model.safetensors} or from the shards named in {@code model.safetensors.index.json}.
 */
public final class Checkpoint {
    public static final String INDEX = "model.safetensors.index.json";
    public static final String SINGLE = "model.safetensors";

    private final Path dir;
    private final JsonNode configJson;
    private final LlamaConfig config;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> shardOf;

    private Checkpoint(Path dir, JsonNode configJson, LlamaConfig config, Map<String, Tensor> tensors, Map<String, String> shardOf) {
        this.dir = dir;
        this.configJson = configJson;
        this.config = config;
        this.tensors = tensors;
        this.shardOf = shardOf;
    }

    public static Checkpoint open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "model directory not found");
        }
        if (!Files.isDirectory(dir)) {
            throw new FormatException(dir, "expected a Hugging Face model directory (config.json + *.safetensors)");
        }
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) {
            throw new NoSuchFileException(cfgFile.toString(), null, "config.json not found in the model directory");
        }
        JsonNode cfgJson = Json.read(cfgFile);
        LlamaConfig config = HfConfig.parse(cfgFile, cfgJson);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> shardOf = new LinkedHashMap<>();
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            JsonNode idx = Json.read(index);
            JsonNode map = idx.get("weight_map");
            if (map == null || !map.isObject()) {
                throw new FormatException(index, "missing key weight_map (an object tensor name -> shard file)");
            }
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                SafetensorsFile f = shards.get(shard);
                if (f == null) {
                    f = SafetensorsFile.open(dir.resolve(shard));
                    shards.put(shard, f);
                }
                Tensor t = f.tensors().get(e.getKey());
                if (t == null) {
                    throw new FormatException(dir.resolve(shard), "missing tensor " + e.getKey() + " (listed in " + INDEX + ")");
                }
                tensors.put(e.getKey(), t);
                shardOf.put(e.getKey(), shard);
            }
        } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE));
            for (Tensor t : f.tensors().values()) {
                tensors.put(t.name(), t);
                shardOf.put(t.name(), SINGLE);
            }
        } else {
            throw new NoSuchFileException(dir.resolve(SINGLE).toString(), null,
                    "no weights: expected model.safetensors or " + INDEX);
        }
        return new Checkpoint(dir, cfgJson, config, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(shardOf));
    }

    public Path dir() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The config.json exactly as read (to write it back unchanged). */
    public JsonNode configJson() {
        return configJson;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Shard file of each tensor ("model.safetensors" when not sharded). */
    public Map<String, String> shardOf() {
        return shardOf;
    }

    public boolean isSharded() {
        return Files.isRegularFile(dir.resolve(INDEX));
    }

    public Tensor get(String name) throws FormatException {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new FormatException(dir, "missing tensor " + name);
        }
        return t;
    }

    public Tensor getOrNull(String name) {
        return tensors.get(name);
    }
}
