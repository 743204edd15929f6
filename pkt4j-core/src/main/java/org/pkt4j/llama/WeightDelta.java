package org.pkt4j.llama;

import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * A dense additive delta on one linear weight, {@code W_eff = W + Δ}, computed as the separate product
 * {@code y += x Δᵀ} (as the reference's modified modeling code does). Δ and its gradient are fp32.
 */
public final class WeightDelta implements LinearAdapter {
    private final float[] delta;
    private final float[] grad;
    private final int out;
    private final int in;
    private final Tensor view;

    /** Wraps {@code delta} [out, in] (not copied); the gradient buffer is allocated here. */
    public WeightDelta(float[] delta, int out, int in) {
        if (delta.length != out * in) {
            throw new IllegalArgumentException("delta has " + delta.length + " values, expected " + out + " x " + in);
        }
        this.delta = delta;
        this.grad = new float[delta.length];
        this.out = out;
        this.in = in;
        this.view = Tensor.ofFloats("delta", delta, out, in);
    }

    public float[] delta() {
        return delta;
    }

    /** ∂L/∂Δ accumulated over backward calls [out, in]. */
    public float[] grad() {
        return grad;
    }

    public int out() {
        return out;
    }

    public int in() {
        return in;
    }

    @Override
    public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
        MatMul.linear(ctx, x, 0, rows, in, view, y, 0, true);
    }

    @Override
    public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
        MatMul.linearBackwardWeight(ctx, dy, 0, x, 0, rows, out, in, grad, 0);
        if (dx != null) {
            MatMul.linearBackwardInput(ctx, dy, 0, rows, out, view, dx, 0, true);
        }
    }
}
