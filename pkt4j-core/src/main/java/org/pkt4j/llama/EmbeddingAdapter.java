package org.pkt4j.llama;

/** A trainable addition to the embedding lookup: {@code e(id) = E[id] + A(id)} (LoRA on embed_tokens). */
public interface EmbeddingAdapter {

    /** y[t, d] += A(ids[t]) for every t. */
    void forward(int[] ids, float[] y);

    /** Accumulates the adapter's parameter gradients from {@code dy = ∂L/∂y} [T, d]. */
    void backward(int[] ids, float[] dy);
}
