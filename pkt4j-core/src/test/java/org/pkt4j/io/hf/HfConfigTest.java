package org.pkt4j.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * config.json parsing for Mistral (sliding window) and transformers-5 key names, the Qwen2 window rules,
 * {@link HfConfig#toJson(LlamaConfig)} round trips, and what a sliding window does to attention.
 */
class HfConfigTest {

    @TempDir
    Path tmp;

    private LlamaConfig parse(String json) throws IOException {
        Path f = Files.createTempFile(tmp, "config", ".json");
        Files.writeString(f, json);
        return HfConfig.read(f);
    }

    private static final String BASE = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 100";

    @Test
    void mistralSlidingWindow() throws IOException {
        LlamaConfig c = parse("{\"model_type\": \"mistral\", " + BASE + ", \"sliding_window\": 4096,"
                + " \"rope_theta\": 1000000.0, \"torch_dtype\": \"bfloat16\", \"eos_token_id\": 2}");
        assertEquals("mistral", c.modelType());
        assertEquals(4096, c.slidingWindow());
        assertEquals(1e6, c.rope().theta());
        assertEquals("bfloat16", c.dtype());
        assertFalse(c.qkvBias());
        assertEquals(0, parse("{\"model_type\": \"mistral\", " + BASE + ", \"sliding_window\": null}").slidingWindow());
        FormatException e = assertThrows(FormatException.class,
                () -> parse("{\"model_type\": \"mistral\", " + BASE + ", \"sliding_window\": -5}"));
        assertOneLine(e.getMessage(), "sliding_window", "positive integer", "-5");
    }

    @Test
    void transformers5Names() throws IOException {
        LlamaConfig c = parse("{\"model_type\": \"llama\", " + BASE + ", \"dtype\": \"bfloat16\","
                + " \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500000.0}}");
        assertEquals(500000.0, c.rope().theta());
        assertEquals("default", c.rope().type());
        assertEquals("bfloat16", c.dtype());
        LlamaConfig l3 = parse("{\"model_type\": \"llama\", " + BASE + ", \"dtype\": \"float32\", \"rope_parameters\":"
                + " {\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, \"factor\": 32.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}}");
        assertEquals(new LlamaConfig.RopeConfig(500000.0, "llama3", 32, 1, 4, 8192), l3.rope());
        // 5.x names take precedence over stale 4.x ones when both are present
        LlamaConfig both = parse("{\"model_type\": \"llama\", " + BASE + ", \"dtype\": \"float16\", \"torch_dtype\": \"float32\","
                + " \"rope_theta\": 10000.0, \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 20000.0}}");
        assertEquals("float16", both.dtype());
        assertEquals(20000.0, both.rope().theta());
    }

    @Test
    void qwen2WindowOnlyWhenEveryLayerHasIt() throws IOException {
        String q = "{\"model_type\": \"qwen2\", " + BASE + ", \"sliding_window\": 32";
        assertEquals(0, parse(q + ", \"use_sliding_window\": false, \"max_window_layers\": 0}").slidingWindow());
        assertEquals(32, parse(q + ", \"use_sliding_window\": true, \"max_window_layers\": 0}").slidingWindow());
        assertEquals(0, parse(q + ", \"use_sliding_window\": true, \"max_window_layers\": 2}").slidingWindow());
        assertTrue(parse(q + "}").qkvBias());
        FormatException e = assertThrows(FormatException.class,
                () -> parse(q + ", \"use_sliding_window\": true, \"max_window_layers\": 1}"));
        assertOneLine(e.getMessage(), "max_window_layers 1", "expected max_window_layers 0 or >= num_hidden_layers 2");
    }

    @Test
    void toJsonRoundTrips() throws IOException {
        LlamaConfig gqa = RandomLlama.config(64, 2, 8, 2, 96, 128);
        List<LlamaConfig> configs = List.of(
                gqa,
                new LlamaConfig("llama", 48, 96, 3, 4, 1, 16, 77, 1e-6, new LlamaConfig.RopeConfig(500000, "llama3", 8, 1, 4, 64),
                        true, true, true, true, -1, List.of(2, 7), 512, 0, "bfloat16"),
                new LlamaConfig("llama", 32, 64, 1, 4, 4, 8, 50, 1e-5, new LlamaConfig.RopeConfig(10000, "linear", 2, 1, 1, 0),
                        false, false, false, false, 1, List.of(), 128, 0, null),
                new LlamaConfig("mistral", 64, 128, 2, 4, 2, 16, 100, 1e-5, LlamaConfig.RopeConfig.plain(1e6),
                        false, false, false, false, 1, List.of(2), 32768, 4096, "bfloat16"),
                new LlamaConfig("qwen2", 64, 128, 2, 4, 2, 16, 100, 1e-6, LlamaConfig.RopeConfig.plain(1e6),
                        true, true, false, false, -1, List.of(151643), 32768, 0, "float32"));
        for (LlamaConfig c : configs) {
            Path f = tmp.resolve(c.modelType() + c.hashCode() + ".json");
            Files.writeString(f, Json.write(HfConfig.toJson(c)));
            assertEquals(c, HfConfig.read(f), c.toString());
        }
    }

    @Test
    void withDtypeUpdatesTheKeysPresent() {
        ObjectNode v4 = Json.MAPPER.createObjectNode().put("torch_dtype", "float32");
        ObjectNode v5 = Json.MAPPER.createObjectNode().put("dtype", "float32");
        ObjectNode none = Json.MAPPER.createObjectNode();
        assertEquals("bfloat16", HfConfig.withDtype(v4, DType.BF16).get("torch_dtype").asText());
        assertEquals("float16", HfConfig.withDtype(v5, DType.F16).get("dtype").asText());
        assertFalse(HfConfig.withDtype(v5, DType.F16).has("torch_dtype"));
        assertEquals("bfloat16", HfConfig.withDtype(none, DType.BF16).get("torch_dtype").asText());
        assertEquals("float32", v4.get("torch_dtype").asText(), "the original is not modified");
    }

    /**
     * Mistral's window (a key j is attended from position i when i - j < window): below the window a
     * Mistral model computes exactly what the same weights do as Llama; past it, with one layer and RoPE's
     * relative scores, position t sees what the last {@code window} tokens alone give at their last position.
     */
    @Test
    void slidingWindowAttention() {
        LlamaConfig llama = RandomLlama.config(32, 2, 4, 2, 48, 60);
        Map<String, Tensor> w = RandomLlama.tensors(llama, 8, DType.F32, 0.3);
        int[] ids = new java.util.SplittableRandom(1).ints(40, 0, 60).toArray();
        float[] plain = new LlamaForward(Llama.of(llama, w), ExecutionContext.singleThreaded()).logits(ids);
        float[] wide = new LlamaForward(Llama.of(mistral(llama, 64), w), ExecutionContext.singleThreaded()).logits(ids);
        // not bit-for-bit: the Vector API's lane reductions may sum in another order once the JIT compiles them
        org.pkt4j.testing.Close.assertClose("contexts below the window are unaffected", wide, plain, 1e-6, 1e-6);

        LlamaConfig one = RandomLlama.config(32, 1, 4, 2, 48, 60);
        Map<String, Tensor> w1 = RandomLlama.tensors(one, 9, DType.F32, 0.3);
        int window = 8, V = 60;
        LlamaForward windowed = new LlamaForward(Llama.of(mistral(one, window), w1), ExecutionContext.singleThreaded());
        LlamaForward full = new LlamaForward(Llama.of(one, w1), ExecutionContext.singleThreaded());
        float[] logits = windowed.logits(ids);
        for (int t : new int[] {window - 1, window, 20, 39}) {
            int[] last = Arrays.copyOfRange(ids, Math.max(0, t - window + 1), t + 1);
            float[] ref = full.logits(last);
            float[] got = Arrays.copyOfRange(logits, t * V, (t + 1) * V);
            float[] exp = Arrays.copyOfRange(ref, (last.length - 1) * V, last.length * V);
            for (int v = 0; v < V; v++) {
                assertEquals(exp[v], got[v], 2e-5, "position " + t + ", logit " + v);
            }
        }
        float[] unwindowed = full.logits(ids);
        assertFalse(Math.abs(unwindowed[30 * V] - logits[30 * V]) < 1e-4, "past the window the result changes");
        assertNull(HfConfig.toJson(llama).get("sliding_window"));
    }

    private static LlamaConfig mistral(LlamaConfig c, int window) {
        return new LlamaConfig("mistral", c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.rmsNormEps(), c.rope(), c.tieWordEmbeddings(), false, false, false,
                c.bosTokenId(), c.eosTokenIds(), c.maxPositionEmbeddings(), window, c.dtype());
    }
}
