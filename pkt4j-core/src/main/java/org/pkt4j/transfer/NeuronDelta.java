package org.pkt4j.transfer;

import org.pkt4j.llama.LinearAdapter;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * LaTen's injection as a differentiable additive delta on selected neurons of one linear weight
 * W [out, in] (PKT-SPEC §4 "Inject"), applied as {@code y += x Δᵀ} with Δ zero except at the selected
 * rows or columns — computed sparsely:
 * <ul>
 *   <li>{@link Kind#ROWS} (up, v): Δ[t_i, :] = δ_i ∈ R^in, so {@code y[:, t_i] += x · δ_i};</li>
 *   <li>{@link Kind#COLUMNS} (down, o): Δ[:, t_i] = δ_i ∈ R^out, so {@code y += x[:, t_i] · δ_i}.</li>
 * </ul>
 * The values δ are owned by the caller (the hypernetwork's output); gradients ∂L/∂δ accumulate here.
 */
public final class NeuronDelta implements LinearAdapter {

    public enum Kind { ROWS, COLUMNS }

    private final Kind kind;
    private final int[] neurons;
    private final float[] delta;
    private final float[] grad;
    private final int width;
    private final int out;
    private final int in;

    /**
     * @param kind    rows (output features) or columns (input features)
     * @param neurons the target neurons t_i, in pairing order
     * @param delta   δ [neurons.length, width] with width = in for rows, out for columns (not copied)
     * @param out     W's output size
     * @param in      W's input size
     */
    public NeuronDelta(Kind kind, int[] neurons, float[] delta, int out, int in) {
        this.kind = kind;
        this.neurons = neurons.clone();
        this.width = kind == Kind.ROWS ? in : out;
        int limit = kind == Kind.ROWS ? out : in;
        for (int t : neurons) {
            if (t < 0 || t >= limit) {
                throw new IllegalArgumentException("neuron " + t + " outside [0, " + limit + ") of a " + out + "x" + in + " weight");
            }
        }
        if (delta.length != neurons.length * width) {
            throw new IllegalArgumentException("delta has " + delta.length + " values, expected " + neurons.length + " x " + width);
        }
        this.delta = delta;
        this.grad = new float[delta.length];
        this.out = out;
        this.in = in;
    }

    public Kind kind() {
        return kind;
    }

    public int[] neurons() {
        return neurons.clone();
    }

    /** ∂L/∂δ [neurons, width], accumulated over backward calls. */
    public float[] grad() {
        return grad;
    }

    @Override
    public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
        int n = neurons.length;
        for (int r = 0; r < rows; r++) {
            int xo = r * in, yo = r * out;
            for (int i = 0; i < n; i++) {
                int t = neurons[i];
                if (kind == Kind.ROWS) {
                    y[yo + t] += MatMul.dotArray(x, xo, delta, i * width, in);
                } else {
                    float c = x[xo + t];
                    if (c != 0f) {
                        MatMul.axpy(c, delta, i * width, y, yo, out);
                    }
                }
            }
        }
    }

    @Override
    public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
        int n = neurons.length;
        for (int r = 0; r < rows; r++) {
            int xo = r * in, yo = r * out;
            for (int i = 0; i < n; i++) {
                int t = neurons[i];
                if (kind == Kind.ROWS) {
                    // y[t] = x·δ_i: ∂δ_i += dy[t]·x, ∂x += dy[t]·δ_i
                    float g = dy[yo + t];
                    if (g != 0f) {
                        MatMul.axpy(g, x, xo, grad, i * width, in);
                        if (dx != null) {
                            MatMul.axpy(g, delta, i * width, dx, xo, in);
                        }
                    }
                } else {
                    // y += x[t]·δ_i: ∂δ_i += x[t]·dy, ∂x[t] += δ_i·dy
                    float c = x[xo + t];
                    if (c != 0f) {
                        MatMul.axpy(c, dy, yo, grad, i * width, out);
                    }
                    if (dx != null) {
                        dx[xo + t] += MatMul.dotArray(delta, i * width, dy, yo, out);
                    }
                }
            }
        }
    }

    /** The dense Δ [out, in] this adapter represents (for fusing into a checkpoint and for tests). */
    public float[] dense() {
        float[] d = new float[out * in];
        for (int i = 0; i < neurons.length; i++) {
            int t = neurons[i];
            for (int j = 0; j < width; j++) {
                if (kind == Kind.ROWS) {
                    d[t * in + j] += delta[i * width + j];
                } else {
                    d[j * in + t] += delta[i * width + j];
                }
            }
        }
        return d;
    }
}
