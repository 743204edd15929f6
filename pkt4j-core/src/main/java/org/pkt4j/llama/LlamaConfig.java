package org.pkt4j.llama;

import java.util.List;

/**
 * Everything the forward and backward passes need to know about a Llama-family model. Variants (GQA,
 * biases, tied embeddings, RoPE scaling) are fields here, not subclasses.
 *
 * @param modelType             "llama", "mistral" or "qwen2"
 * @param hiddenSize            d
 * @param intermediateSize      f (FFN width)
 * @param numLayers             L
 * @param numHeads              H (query heads)
 * @param numKvHeads            KV heads; H for MHA, 1 for MQA; query head h reads kv head h / (H / KV)
 * @param headDim               hd; hidden_size / heads unless config.json sets head_dim
 * @param vocabSize             V
 * @param rmsNormEps            epsilon inside RMSNorm
 * @param rope                  RoPE frequencies (theta and optional scaling)
 * @param tieWordEmbeddings     lm_head reuses embed_tokens
 * @param qkvBias               q/k/v projections carry biases (Qwen2; Llama attention_bias)
 * @param oBias                 o projection carries a bias (Llama attention_bias)
 * @param mlpBias               gate/up/down carry biases (Llama mlp_bias)
 * @param bosTokenId            BOS id, or -1 when the config has none
 * @param eosTokenIds           EOS ids (a config may list several)
 * @param maxPositionEmbeddings context length the model was trained for
 * @param slidingWindow         Mistral's sliding window, or 0 when none
 * @param dtype                 the storage dtype config.json declares ("float32", "bfloat16", ...), or null
 */
public record LlamaConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        RopeConfig rope,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        int maxPositionEmbeddings,
        int slidingWindow,
        String dtype) {

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
    }

    /** Width of the query projection output (H * hd). */
    public int qDim() {
        return numHeads * headDim;
    }

    /** Width of the key/value projection outputs (KV * hd). */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public boolean isEos(int id) {
        return eosTokenIds.contains(id);
    }

    /** Number of parameters (tied embeddings counted once). */
    public long parameterCount() {
        long d = hiddenSize, f = intermediateSize, v = vocabSize;
        long perLayer = d * qDim() + 2 * d * kvDim() + qDim() * d + 3 * d * f + 2 * d;
        if (qkvBias) {
            perLayer += qDim() + 2L * kvDim();
        }
        if (oBias) {
            perLayer += d;
        }
        if (mlpBias) {
            perLayer += 2 * f + d;
        }
        return v * d * (tieWordEmbeddings ? 1 : 2) + numLayers * perLayer + d;
    }

    /**
     * RoPE parameters.
     *
     * @param theta            base
     * @param type             "default", "linear" or "llama3"
     * @param factor           scaling factor (linear, llama3)
     * @param lowFreqFactor    llama3
     * @param highFreqFactor   llama3
     * @param originalMaxPositions llama3's original_max_position_embeddings
     */
    public record RopeConfig(double theta, String type, double factor, double lowFreqFactor, double highFreqFactor,
                             int originalMaxPositions) {
        public static RopeConfig plain(double theta) {
            return new RopeConfig(theta, "default", 1, 1, 1, 0);
        }
    }

    /** A copy with another vocabulary size (demo models, tests). */
    public LlamaConfig withVocabSize(int v) {
        return new LlamaConfig(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, v,
                rmsNormEps, rope, tieWordEmbeddings, qkvBias, oBias, mlpBias, bosTokenId, eosTokenIds,
                maxPositionEmbeddings, slidingWindow, dtype);
    }
}
