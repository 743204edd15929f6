package org.pkt4j.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaConfig.RopeConfig;

/**
 * Reads Hugging Face {@code config.json} for the Llama family (llama, mistral, qwen2), accepting both
 * transformers 4.x names ({@code rope_theta}, {@code rope_scaling}, {@code torch_dtype}) and 5.x names
 * ({@code rope_parameters}, {@code dtype}), and writes it back.
 */
public final class HfConfig {
    private HfConfig() {
    }

    public static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2");

    public static LlamaConfig read(Path file) throws IOException {
        return parse(file, Json.read(file));
    }

    public static LlamaConfig parse(Path file, JsonNode c) throws FormatException {
        if (c == null || !c.isObject()) {
            throw new FormatException(file, "config.json is not a JSON object");
        }
        String type = text(c, "model_type");
        if (type == null) {
            throw new FormatException(file, "missing key model_type (expected one of " + SUPPORTED + ")");
        }
        if (!SUPPORTED.contains(type)) {
            throw new FormatException(file, "unsupported architecture: model_type '" + type + "' (supported: llama, mistral, qwen2)");
        }
        String act = text(c, "hidden_act");
        if (act != null && !act.equals("silu")) {
            throw new FormatException(file, "hidden_act '" + act + "' is not supported (expected silu)");
        }
        int d = requireInt(file, c, "hidden_size");
        int f = requireInt(file, c, "intermediate_size");
        int layers = requireInt(file, c, "num_hidden_layers");
        int heads = requireInt(file, c, "num_attention_heads");
        int kv = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull() ? requireInt(file, c, "num_key_value_heads") : heads;
        int vocab = requireInt(file, c, "vocab_size");
        if (heads % kv != 0) {
            throw new FormatException(file, "num_attention_heads " + heads + " must be a multiple of num_key_value_heads " + kv);
        }
        int headDim = c.has("head_dim") && !c.get("head_dim").isNull() ? requireInt(file, c, "head_dim") : d / heads;
        if (!c.has("head_dim") && d % heads != 0) {
            throw new FormatException(file, "hidden_size " + d + " is not divisible by num_attention_heads " + heads);
        }
        if (headDim % 2 != 0) {
            throw new FormatException(file, "head_dim " + headDim + " must be even for RoPE");
        }
        double eps = number(c, "rms_norm_eps", 1e-6);
        RopeConfig rope = rope(file, c);
        boolean tied = bool(c, "tie_word_embeddings", false);
        boolean attnBias = bool(c, "attention_bias", false);
        boolean qkvBias = type.equals("qwen2") || attnBias;
        boolean mlpBias = bool(c, "mlp_bias", false);
        int bos = c.has("bos_token_id") && c.get("bos_token_id").isNumber() ? c.get("bos_token_id").asInt() : -1;
        List<Integer> eos = new ArrayList<>();
        JsonNode e = c.get("eos_token_id");
        if (e != null && e.isArray()) {
            e.forEach(x -> eos.add(x.asInt()));
        } else if (e != null && e.isNumber()) {
            eos.add(e.asInt());
        }
        int maxPos = (int) number(c, "max_position_embeddings", 2048);
        int window = 0;
        JsonNode sw = c.get("sliding_window");
        boolean useSw = !type.equals("qwen2") || bool(c, "use_sliding_window", false);
        if (sw != null && sw.isNumber() && useSw) {
            window = sw.asInt();
        }
        String dtype = text(c, "dtype") != null ? text(c, "dtype") : text(c, "torch_dtype");
        return new LlamaConfig(type, d, f, layers, heads, kv, headDim, vocab, eps, rope, tied, qkvBias, attnBias, mlpBias,
                bos, eos, maxPos, window, dtype);
    }

    private static RopeConfig rope(Path file, JsonNode c) throws FormatException {
        JsonNode params = c.get("rope_parameters");
        JsonNode scaling = c.get("rope_scaling");
        double theta;
        JsonNode s;
        if (params != null && params.isObject()) {
            theta = number(params, "rope_theta", number(c, "rope_theta", 10000));
            s = params;
        } else {
            theta = number(c, "rope_theta", 10000);
            s = scaling != null && scaling.isObject() ? scaling : null;
        }
        if (s == null) {
            return RopeConfig.plain(theta);
        }
        String type = text(s, "rope_type") != null ? text(s, "rope_type") : text(s, "type");
        if (type == null || type.equals("default")) {
            return RopeConfig.plain(theta);
        }
        return switch (type) {
            case "linear" -> new RopeConfig(theta, "linear", number(s, "factor", 1), 1, 1, 0);
            case "llama3" -> new RopeConfig(theta, "llama3", number(s, "factor", 8), number(s, "low_freq_factor", 1),
                    number(s, "high_freq_factor", 4), (int) number(s, "original_max_position_embeddings", 8192));
            default -> throw new FormatException(file, "unsupported rope scaling type '" + type + "' (supported: default, linear, llama3)");
        };
    }

    /** Writes the config back as config.json content (keeps every original key; used when saving models). */
    public static ObjectNode toJson(JsonNode original) {
        return original.deepCopy();
    }

    private static int requireInt(Path file, JsonNode c, String key) throws FormatException {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            throw new FormatException(file, "missing key " + key);
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new FormatException(file, "key " + key + ": expected a positive integer, got " + v);
        }
        return v.asInt();
    }

    private static String text(JsonNode c, String key) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static double number(JsonNode c, String key, double dflt) {
        JsonNode v = c.get(key);
        return v == null || !v.isNumber() ? dflt : v.asDouble();
    }

    private static boolean bool(JsonNode c, String key, boolean dflt) {
        JsonNode v = c.get(key);
        return v == null || !v.isBoolean() ? dflt : v.asBoolean();
    }
}
