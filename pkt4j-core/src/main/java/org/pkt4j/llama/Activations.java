package org.pkt4j.llama;

/**
 * What the forward pass saves for the backward pass, planned up front for sequences of up to
 * {@link #capacity} tokens (the llm.c layout: one named buffer per saved tensor, per layer) and reused
 * across sequences: a forward with this store fills the prefix {@code [0, tokens·width)} of each buffer.
 * Keys and values (after RoPE) live in {@link #cache}.
 *
 * <p>Store or recompute: everything the backward reads is stored — per layer
 * {@code T·(5d + 2·qDim + 3f + 2·kvDim + 2)} floats — except, optionally, the attention probabilities
 * ({@code H·T²} per layer, which dominate for long sequences): with {@link AttentionMemory#RECOMPUTE} the
 * backward recomputes each layer's p from the saved q and k (one extra q·k pass, about a tenth of a layer's
 * forward at T = 256), and only one layer's worth of p lives at a time, in the backward's work buffer.
 */
public final class Activations {

    /** Whether the attention probabilities are kept for the backward or recomputed there. */
    public enum AttentionMemory { STORE, RECOMPUTE }

    private final LlamaConfig config;
    private final int capacity;
    private final AttentionMemory attentionMemory;
    private int tokens;
    private int[] ids = new int[0];

    public final KvCache cache;
    /** x_l, the layer input [T, d]. */
    public final float[][] layerInput;
    /** 1/rms of the input norm [T]. */
    public final float[][] invRms1;
    /** input-normed x [T, d]. */
    public final float[][] normed1;
    /** queries after bias, adapters and RoPE [T, H*hd]. */
    public final float[][] q;
    /** attention probabilities [H, T, T] (row t over keys 0..t), or null per layer under RECOMPUTE. */
    public final float[][] probs;
    /** attention output before o_proj [T, H*hd]. */
    public final float[][] attn;
    /** r_l = x_l + a_l [T, d]. */
    public final float[][] residual;
    /** 1/rms of the post-attention norm [T]. */
    public final float[][] invRms2;
    /** post-attention-normed r [T, d]. */
    public final float[][] normed2;
    /** gate pre-activation [T, f]. */
    public final float[][] gate;
    /** up projection [T, f]. */
    public final float[][] up;
    /** c = silu(gate) * up, the down_proj input [T, f]. */
    public final float[][] coeff;
    /** output of the last layer before the final norm [T, d]. */
    public final float[] finalHidden;
    /** 1/rms of the final norm [T]. */
    public final float[] invRmsFinal;
    /** final-normed hidden, the lm_head input [T, d]. */
    public final float[] finalNormed;

    /** A store sized exactly for {@code ids}, keeping the attention probabilities. */
    public Activations(LlamaConfig c, int[] ids) {
        this(c, ids.length, AttentionMemory.STORE);
        begin(ids);
    }

    /** A store for sequences of up to {@code capacity} tokens. */
    public Activations(LlamaConfig c, int capacity, AttentionMemory attentionMemory) {
        if (capacity < 1) {
            throw new IllegalArgumentException("activation capacity must be >= 1 token, got " + capacity);
        }
        int t = capacity, d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), L = c.numLayers();
        this.config = c;
        this.capacity = capacity;
        this.attentionMemory = attentionMemory;
        this.cache = new KvCache(c, t);
        layerInput = new float[L][t * d];
        invRms1 = new float[L][t];
        normed1 = new float[L][t * d];
        this.q = new float[L][t * q];
        probs = new float[L][];
        if (attentionMemory == AttentionMemory.STORE) {
            for (int l = 0; l < L; l++) {
                probs[l] = new float[Math.multiplyExact(c.numHeads() * t, t)];
            }
        }
        attn = new float[L][t * q];
        residual = new float[L][t * d];
        invRms2 = new float[L][t];
        normed2 = new float[L][t * d];
        gate = new float[L][t * f];
        up = new float[L][t * f];
        coeff = new float[L][t * f];
        finalHidden = new float[t * d];
        invRmsFinal = new float[t];
        finalNormed = new float[t * d];
    }

    /** Empties the cache and binds the store to a new sequence (the forward then fills it). */
    public void begin(int[] sequence) {
        if (sequence.length > capacity) {
            throw new IllegalArgumentException("sequence of " + sequence.length + " tokens exceeds the activation capacity " + capacity);
        }
        cache.truncate(0);
        this.ids = sequence.clone();
        this.tokens = sequence.length;
    }

    public LlamaConfig config() {
        return config;
    }

    public int capacity() {
        return capacity;
    }

    /** Tokens of the sequence the store is bound to. */
    public int tokens() {
        return tokens;
    }

    /** The ids of that sequence (a copy). */
    public int[] ids() {
        return ids.clone();
    }

    int[] idsView() {
        return ids;
    }

    public AttentionMemory attentionMemory() {
        return attentionMemory;
    }

    /** Floats a store that keeps the attention probabilities holds for a config and capacity. */
    public static long floats(LlamaConfig c, int t) {
        return floats(c, t, AttentionMemory.STORE);
    }

    /** Floats the store holds for a config and capacity (to plan memory before allocating). */
    public static long floats(LlamaConfig c, int t, AttentionMemory mode) {
        long d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim();
        long perLayer = t * (5 * d + 2 * q + 3 * f + 2 * kv + 2);
        if (mode == AttentionMemory.STORE) {
            perLayer += (long) c.numHeads() * t * t;
        }
        return c.numLayers() * perLayer + t * (2 * d + 1);
    }
}
