package org.pkt4j.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;

/**
 * A random-weight Llama written as a Hugging Face directory, so benchmarks run on memory-mapped weights in
 * their stored dtype exactly as a downloaded checkpoint would.
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {
    }

    /** Standard deviation of the random matrices (the usual init scale: activations stay O(1)). */
    public static final double SCALE = 0.02;

    /** Writes a plain Llama of config {@code c} in {@code dtype} to {@code dir} (which must not exist). */
    public static void write(LlamaConfig c, DType dtype, long seed, Path dir) throws IOException {
        ObjectNode cfg = Json.MAPPER.createObjectNode();
        cfg.put("model_type", "llama");
        cfg.putArray("architectures").add("LlamaForCausalLM");
        cfg.put("hidden_size", c.hiddenSize());
        cfg.put("intermediate_size", c.intermediateSize());
        cfg.put("num_hidden_layers", c.numLayers());
        cfg.put("num_attention_heads", c.numHeads());
        cfg.put("num_key_value_heads", c.numKvHeads());
        cfg.put("vocab_size", c.vocabSize());
        cfg.put("rms_norm_eps", c.rmsNormEps());
        cfg.put("rope_theta", c.rope().theta());
        cfg.put("max_position_embeddings", c.maxPositionEmbeddings());
        cfg.put("tie_word_embeddings", c.tieWordEmbeddings());
        cfg.put("hidden_act", "silu");
        cfg.put("bos_token_id", 1);
        cfg.put("eos_token_id", 2);
        cfg.put("torch_dtype", dtype.torchName());
        CheckpointWriter.write(dir, cfg, RandomLlama.tensors(c, seed, dtype, SCALE), null, null, false);
    }
}
