package org.pkt4j.io.peft;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.Param;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * LoRA adapters in the PEFT directory layout, loadable by {@code PeftModel.from_pretrained}:
 * {@code adapter_config.json} (peft_type LORA, task_type CAUSAL_LM, r, lora_alpha, lora_dropout,
 * target_modules, base_model_name_or_path, ...) and {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<module path>.lora_A.weight} [r, in] / {@code .lora_B.weight} [out, r] and, for the
 * embedding, {@code base_model.model.model.embed_tokens.lora_embedding_A} [r, V] / {@code lora_embedding_B} [d, r].
 */
public final class PeftAdapter {
    private PeftAdapter() {
    }

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PREFIX = "base_model.model.";

    private static final Pattern LINEAR = Pattern.compile(
            "(model\\.layers\\.\\d+\\.(self_attn|mlp)\\.[a-z_]+|lm_head)\\.lora_[AB]\\.weight");

    /** Writes {@code lora} as a PEFT adapter directory (atomic; an existing dir is replaced only with force). */
    public static void write(Path dir, Lora lora, String baseModelNameOrPath, boolean force) throws IOException {
        LoraConfig c = lora.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", baseModelNameOrPath);
        cfg.put("r", c.rank());
        cfg.put("lora_alpha", c.alpha());
        cfg.put("lora_dropout", c.dropout());
        cfg.put("target_modules", new ArrayList<>(c.targetNames()));
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("use_rslora", c.rslora());
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        cfg.put("modules_to_save", null);
        cfg.put("layers_to_transform", null);
        List<Tensor> tensors = new ArrayList<>();
        for (Param p : lora.params()) {
            tensors.add(Tensor.ofFloats(PREFIX + p.name(), p.value().clone(), p.shape()));
        }
        AtomicFiles.writeDirectory(dir, force, tmp -> {
            Files.writeString(tmp.resolve(CONFIG), Json.write(cfg) + "\n");
            SafetensorsWriter.writeTo(tmp.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        });
    }

    /** Reads a PEFT LoRA adapter directory for {@code model}; errors name the file and key. */
    public static Lora read(Path dir, Llama model) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new NoSuchFileException(cfgFile.toString(), null, "not a PEFT adapter directory (no " + CONFIG + ")");
        }
        JsonNode cfg = Json.read(cfgFile);
        String type = text(cfg, "peft_type");
        if (!"LORA".equals(type)) {
            throw new FormatException(cfgFile, "peft_type: expected LORA, got " + type);
        }
        if (cfg.path("fan_in_fan_out").asBoolean(false)) {
            throw new FormatException(cfgFile, "fan_in_fan_out: expected false (Conv1D layouts are not Llama's)");
        }
        String bias = cfg.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new FormatException(cfgFile, "bias: expected none (trained biases are not supported), got " + bias);
        }
        if (!cfg.path("rank_pattern").isMissingNode() && !cfg.path("rank_pattern").isNull() && !cfg.path("rank_pattern").isEmpty()) {
            throw new FormatException(cfgFile, "rank_pattern: per-module ranks are not supported");
        }
        int r = cfg.path("r").asInt(0);
        if (r < 1) {
            throw new FormatException(cfgFile, "r: expected a positive integer, got " + cfg.get("r"));
        }
        JsonNode targets = cfg.get("target_modules");
        if (targets == null || !targets.isArray()) {
            throw new FormatException(cfgFile, "target_modules: expected a list of module names (regular expressions are not supported)");
        }
        Set<Module> modules = EnumSet.noneOf(Module.class);
        for (JsonNode t : targets) {
            Module m = Module.parse(t.asText());
            if (m == null) {
                throw new FormatException(cfgFile, "target_modules: unknown module '" + t.asText() + "' for a Llama model");
            }
            modules.add(m);
        }
        LoraConfig config;
        try {
            config = new LoraConfig(r, cfg.path("lora_alpha").asDouble(r), cfg.path("lora_dropout").asDouble(0), modules,
                    cfg.path("use_rslora").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new FormatException(cfgFile, e.getMessage());
        }
        Path weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weightsFile)) {
            throw new NoSuchFileException(weightsFile.toString(), null,
                    Files.exists(dir.resolve("adapter_model.bin")) ? "only safetensors adapters are supported (found adapter_model.bin)" : "not found");
        }
        SafetensorsFile f = SafetensorsFile.open(weightsFile);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Tensor t : f.tensors().values()) {
            String key = t.name();
            if (!key.startsWith(PREFIX)) {
                throw new FormatException(weightsFile, "key " + key + ": expected the prefix " + PREFIX);
            }
            String name = key.substring(PREFIX.length());
            Matcher m = LINEAR.matcher(name);
            if (!m.matches() && !name.equals(Lora.EMBED_A) && !name.equals(Lora.EMBED_B)) {
                throw new FormatException(weightsFile, "key " + key + ": not a LoRA weight of a Llama module");
            }
            weights.put(name, t.toFloatArray());
        }
        Lora lora;
        try {
            lora = Lora.withWeights(model, config, weights);
        } catch (IllegalArgumentException e) {
            throw new FormatException(weightsFile, e.getMessage());
        }
        for (Tensor t : f.tensors().values()) {
            long[] expected = lora.param(t.name().substring(PREFIX.length())).shape();
            if (!Arrays.equals(expected, t.shape())) {
                throw new FormatException(weightsFile, "key " + t.name() + " has shape " + t.shapeString() + ", expected "
                        + Arrays.toString(expected));
            }
        }
        return lora;
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
