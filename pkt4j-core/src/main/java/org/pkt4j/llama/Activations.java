package org.pkt4j.llama;

/**
 * What the forward pass saves for the backward pass, planned up front for a sequence of T tokens (the
 * llm.c layout: one named buffer per saved tensor, per layer). Keys and values live in {@link #cache}.
 * The store keeps every activation the backward reads (no recomputation): per layer about
 * {@code T·(5d + 2·qDim + 3f + H·T)} floats. The attention probabilities dominate for long sequences.
 */
public final class Activations {
    public final int tokens;
    public final int[] ids;
    public final KvCache cache;
    /** x_l, the layer input [T, d]. */
    public final float[][] layerInput;
    /** 1/rms of the input norm [T]. */
    public final float[][] invRms1;
    /** input-normed x [T, d]. */
    public final float[][] normed1;
    /** queries after bias and RoPE [T, H*hd]. */
    public final float[][] q;
    /** attention probabilities [H, T, T] (row t over keys 0..t). */
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

    public Activations(LlamaConfig c, int[] ids) {
        int t = ids.length, d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), L = c.numLayers();
        this.tokens = t;
        this.ids = ids.clone();
        this.cache = new KvCache(c, t);
        layerInput = new float[L][t * d];
        invRms1 = new float[L][t];
        normed1 = new float[L][t * d];
        this.q = new float[L][t * q];
        probs = new float[L][Math.multiplyExact(c.numHeads() * t, t)];
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

    /** Floats the store holds for a config and length (to plan memory before allocating). */
    public static long floats(LlamaConfig c, int t) {
        long d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim();
        long perLayer = t * (5 * d + 2 * q + 3 * f + 2 * kv + 2) + (long) c.numHeads() * t * t;
        return c.numLayers() * perLayer + t * (2 * d + 1);
    }
}
