package org.pkt4j.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaConfig.RopeConfig;
import org.pkt4j.tensor.DType;

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
        int window = slidingWindow(file, c, type, layers);
        String dtype = text(c, "dtype") != null ? text(c, "dtype") : text(c, "torch_dtype");
        return new LlamaConfig(type, d, f, layers, heads, kv, headDim, vocab, eps, rope, tied, qkvBias, attnBias, mlpBias,
                bos, eos, maxPos, window, dtype);
    }

    /**
     * Mistral's window applies to every layer. Qwen2 applies one only with {@code use_sliding_window}, and
     * then only to layers {@code i >= max_window_layers}; a window on some layers but not others has no
     * single value here, so it is refused rather than applied everywhere.
     */
    private static int slidingWindow(Path file, JsonNode c, String type, int layers) throws FormatException {
        JsonNode sw = c.get("sliding_window");
        if (sw == null || sw.isNull() || type.equals("llama")) {
            return 0;
        }
        if (!sw.isIntegralNumber() || !sw.canConvertToInt() || sw.asInt() <= 0) {
            throw new FormatException(file, "key sliding_window: expected a positive integer or null, got " + sw);
        }
        if (type.equals("qwen2")) {
            if (!bool(c, "use_sliding_window", false)) {
                return 0;
            }
            int from = (int) number(c, "max_window_layers", layers);
            if (from >= layers) {
                return 0;
            }
            if (from > 0) {
                throw new FormatException(file, "use_sliding_window with max_window_layers " + from
                        + " (a window on layers " + from + ".." + (layers - 1) + " only) is not supported;"
                        + " expected max_window_layers 0 or >= num_hidden_layers " + layers);
            }
        }
        return sw.asInt();
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

    /**
     * A copy of {@code original} declaring {@code dtype} as its storage dtype: the transformers-5 key
     * {@code dtype} and the 4.x key {@code torch_dtype} are updated where present ({@code torch_dtype} is
     * added when neither is).
     */
    public static ObjectNode withDtype(JsonNode original, DType dtype) {
        ObjectNode o = original.deepCopy();
        boolean v5 = o.has("dtype"), v4 = o.has("torch_dtype");
        if (v5) {
            o.put("dtype", dtype.torchName());
        }
        if (v4 || !v5) {
            o.put("torch_dtype", dtype.torchName());
        }
        return o;
    }

    /**
     * config.json for {@code c} with transformers 4.x key names, keys sorted as {@code save_pretrained}
     * writes them (models built from scratch or imported from llama2.c). {@link #parse} reads it back to
     * an equal config.
     */
    public static ObjectNode toJson(LlamaConfig c) {
        String type = c.modelType();
        String arch = switch (type) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> throw new IllegalArgumentException("unsupported model_type " + type);
        };
        boolean llama = type.equals("llama");
        if (llama ? c.qkvBias() != c.oBias() : c.oBias() || c.qkvBias() != type.equals("qwen2")) {
            throw new IllegalArgumentException(type + " cannot express q/k/v bias " + c.qkvBias() + " with o bias " + c.oBias());
        }
        if (!llama && c.mlpBias()) {
            throw new IllegalArgumentException(type + " has no MLP biases");
        }
        Map<String, Object> m = new TreeMap<>();
        m.put("architectures", List.of(arch));
        m.put("model_type", type);
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("num_hidden_layers", c.numLayers());
        m.put("num_attention_heads", c.numHeads());
        m.put("num_key_value_heads", c.numKvHeads());
        if (c.headDim() * c.numHeads() != c.hiddenSize()) {
            m.put("head_dim", c.headDim());
        }
        m.put("vocab_size", c.vocabSize());
        m.put("rms_norm_eps", c.rmsNormEps());
        m.put("rope_theta", c.rope().theta());
        m.put("rope_scaling", ropeScaling(c.rope()));
        m.put("max_position_embeddings", c.maxPositionEmbeddings());
        m.put("tie_word_embeddings", c.tieWordEmbeddings());
        m.put("hidden_act", "silu");
        m.put("bos_token_id", c.bosTokenId() >= 0 ? c.bosTokenId() : null);
        m.put("eos_token_id", c.eosTokenIds().isEmpty() ? null : c.eosTokenIds().size() == 1 ? c.eosTokenIds().get(0) : c.eosTokenIds());
        m.put("initializer_range", 0.02);
        m.put("use_cache", true);
        if (llama) {
            m.put("attention_bias", c.oBias());
            m.put("mlp_bias", c.mlpBias());
            m.put("pretraining_tp", 1);
        } else if (type.equals("mistral")) {
            m.put("sliding_window", c.slidingWindow() > 0 ? c.slidingWindow() : null);
        } else {
            m.put("use_sliding_window", c.slidingWindow() > 0);
            m.put("sliding_window", c.slidingWindow() > 0 ? c.slidingWindow() : null);
            m.put("max_window_layers", c.slidingWindow() > 0 ? 0 : c.numLayers());
        }
        if (c.dtype() != null) {
            m.put("torch_dtype", c.dtype());
        }
        return Json.MAPPER.valueToTree(m);
    }

    private static Map<String, Object> ropeScaling(RopeConfig r) {
        return switch (r.type()) {
            case "default" -> null;
            case "linear" -> new TreeMap<>(Map.of("rope_type", "linear", "factor", r.factor()));
            case "llama3" -> new TreeMap<>(Map.of("rope_type", "llama3", "factor", r.factor(),
                    "low_freq_factor", r.lowFreqFactor(), "high_freq_factor", r.highFreqFactor(),
                    "original_max_position_embeddings", r.originalMaxPositions()));
            default -> throw new IllegalArgumentException("unsupported rope type " + r.type());
        };
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
