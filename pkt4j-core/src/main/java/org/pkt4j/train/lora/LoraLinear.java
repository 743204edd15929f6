package org.pkt4j.train.lora;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.pkt4j.llama.LinearAdapter;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * LoRA on one linear module, {@code y += s · (drop(x) · Aᵀ) · Bᵀ} with A [r, in] and B [out, r] in fp32
 * (PEFT's {@code lora_A.weight} / {@code lora_B.weight}); the base weight is never touched. Dropout, when
 * training, draws a fresh mask per forward from a seeded generator and keeps it for the backward; the
 * product {@code drop(x)·Aᵀ} is recomputed in the backward from the x it is given (r·in per row, cheap)
 * rather than kept, so the backward depends only on its arguments and the mask.
 */
public final class LoraLinear implements LinearAdapter {
    private final String path;
    private final int in;
    private final int out;
    private final int rank;
    private final float scale;
    private final double dropout;
    private final float[] a;
    private final float[] b;
    private final float[] gradA;
    private final float[] gradB;
    private final Tensor aView;
    private final Tensor bView;
    private SplittableRandom rng = new SplittableRandom(0);
    private boolean training;
    private float[] mask = new float[0];
    private int maskRows = -1;
    private float[] xa = new float[0];
    private float[] dropped = new float[0];

    /** Wraps A [r, in] and B [out, r] (not copied). */
    public LoraLinear(String path, int in, int out, int rank, double scale, double dropout, float[] a, float[] b) {
        if (a.length != rank * in || b.length != out * rank) {
            throw new IllegalArgumentException(path + ": LoRA A must be [" + rank + ", " + in + "] and B [" + out + ", " + rank
                    + "], got " + a.length + " and " + b.length + " values");
        }
        this.path = path;
        this.in = in;
        this.out = out;
        this.rank = rank;
        this.scale = (float) scale;
        this.dropout = dropout;
        this.a = a;
        this.b = b;
        this.gradA = new float[a.length];
        this.gradB = new float[b.length];
        this.aView = Tensor.ofFloats(path + ".lora_A.weight", a, rank, in);
        this.bView = Tensor.ofFloats(path + ".lora_B.weight", b, out, rank);
    }

    /**
     * PEFT's default init: A ~ kaiming_uniform(a = sqrt(5)) = U(−1/sqrt(in), 1/sqrt(in)), B = 0 (so the
     * adapter starts as the identity edit).
     */
    public static LoraLinear peftInit(String path, int in, int out, int rank, double scale, double dropout, SplittableRandom rng) {
        float[] a = new float[rank * in];
        double bound = 1 / Math.sqrt(in);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return new LoraLinear(path, in, out, rank, scale, dropout, a, new float[out * rank]);
    }

    /** The module path (e.g. {@code model.layers.3.self_attn.q_proj}). */
    public String path() {
        return path;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public int rank() {
        return rank;
    }

    public float scale() {
        return scale;
    }

    /** A [r, in], updated in place by the optimizer. */
    public float[] a() {
        return a;
    }

    /** B [out, r]. */
    public float[] b() {
        return b;
    }

    public float[] gradA() {
        return gradA;
    }

    public float[] gradB() {
        return gradB;
    }

    /** Dropout draws masks only while training; adapters start in evaluation mode (the Trainer switches). */
    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Restarts the dropout generator (the trainer derives one seed per micro-batch, so runs resume exactly). */
    public void reseed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** The last forward's dropout mask [rows, in] (0 or 1/(1 − p)), or null when no dropout was applied. */
    public float[] dropoutMask() {
        return maskRows < 0 ? null : Arrays.copyOf(mask, maskRows * in);
    }

    @Override
    public void forward(ExecutionContext ctx, float[] x, int rows, float[] y) {
        if (training && dropout > 0) {
            mask = grow(mask, rows * in);
            float keep = (float) (1 / (1 - dropout));
            for (int i = 0; i < rows * in; i++) {
                mask[i] = rng.nextDouble() < dropout ? 0f : keep;
            }
            maskRows = rows;
        } else {
            maskRows = -1;
        }
        float[] xs = input(x, rows);
        xa = grow(xa, rows * rank);
        // xa = s · drop(x) · Aᵀ; y += xa · Bᵀ
        MatMul.linear(ctx, xs, 0, rows, in, aView, xa, 0, false);
        for (int i = 0; i < rows * rank; i++) {
            xa[i] *= scale;
        }
        MatMul.linear(ctx, xa, 0, rows, rank, bView, y, 0, true);
    }

    @Override
    public void backward(ExecutionContext ctx, float[] x, float[] dy, int rows, float[] dx) {
        if (maskRows >= 0 && maskRows != rows) {
            throw new IllegalStateException(path + ": backward over " + rows + " rows after a forward over " + maskRows);
        }
        float[] xs = input(x, rows);
        xa = grow(xa, 2 * rows * rank);
        // xa = s · drop(x) · Aᵀ (recomputed), dB += dyᵀ · xa
        MatMul.linear(ctx, xs, 0, rows, in, aView, xa, 0, false);
        for (int i = 0; i < rows * rank; i++) {
            xa[i] *= scale;
        }
        MatMul.linearBackwardWeight(ctx, dy, 0, xa, 0, rows, out, rank, gradB, 0);
        // d(xa) = s · dy · B (stored after xa), dA += d(xa)ᵀ · drop(x)
        int dOff = rows * rank;
        MatMul.linearBackwardInput(ctx, dy, 0, rows, out, bView, xa, dOff, false);
        for (int i = dOff; i < dOff + rows * rank; i++) {
            xa[i] *= scale;
        }
        MatMul.linearBackwardWeight(ctx, xa, dOff, xs, 0, rows, rank, in, gradA, 0);
        if (dx == null) {
            return;
        }
        if (maskRows < 0) {
            MatMul.linearBackwardInput(ctx, xa, dOff, rows, rank, aView, dx, 0, true);
        } else {
            // dx += mask ⊙ (d(xa) · A)
            dropped = grow(dropped, rows * in);
            MatMul.linearBackwardInput(ctx, xa, dOff, rows, rank, aView, dropped, 0, false);
            for (int i = 0; i < rows * in; i++) {
                dx[i] += mask[i] * dropped[i];
            }
        }
    }

    /** drop(x): x itself without dropout, else x ⊙ mask in a reused buffer. */
    private float[] input(float[] x, int rows) {
        if (maskRows < 0) {
            return x;
        }
        dropped = grow(dropped, rows * in);
        for (int i = 0; i < rows * in; i++) {
            dropped[i] = x[i] * mask[i];
        }
        return dropped;
    }

    private static float[] grow(float[] buf, int n) {
        return buf.length >= n ? buf : new float[n];
    }
}
