package org.pkt4j.llama;

import org.pkt4j.tensor.ExecutionContext;

/**
 * A trainable addition to one linear module's output, {@code y = x Wᵀ + A(x)}, applied by the forward
 * pass without touching the (memory-mapped) W: additive weight deltas ({@code A(x) = x Δᵀ}, i.e.
 * W + Δ), row/column deltas of LaTen, LoRA. Implementations keep their own parameter gradients.
 */
public interface LinearAdapter {

    /** y[rows, out] += A(x[rows, in]). */
    void forward(ExecutionContext ctx, float[] x, int rows, float[] y);

    /**
     * The backward sibling: given the forward's {@code x} and {@code dy = ∂L/∂y}, adds ∂L/∂x into
     * {@code dx} (when non-null) and accumulates the adapter's parameter gradients.
     */
    void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx);
}
