package org.pkt4j.train;

import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.kernel.Ops;

/**
 * Hugging Face's causal-LM loss: {@code logits[t]} is scored against {@code labels[t + 1]}; labels equal
 * to {@link #IGNORE} (-100) are skipped; the loss is the mean cross-entropy over the rest.
 */
public final class CausalLmLoss {
    private CausalLmLoss() {
    }

    public static final int IGNORE = -100;

    /** Rows t (0 <= t < T-1) whose next label is scored, ascending. */
    public static int[] scoredRows(int[] labels) {
        int n = 0;
        for (int t = 0; t + 1 < labels.length; t++) {
            if (labels[t + 1] != IGNORE) {
                n++;
            }
        }
        int[] rows = new int[n];
        n = 0;
        for (int t = 0; t + 1 < labels.length; t++) {
            if (labels[t + 1] != IGNORE) {
                rows[n++] = t;
            }
        }
        return rows;
    }

    /**
     * The loss over logits of the scored rows only ({@code logits[i]} belongs to row {@code rows[i]}, as
     * computed with {@code logitRows = scoredRows(labels)}). When {@code dlogits} is non-null it receives
     * ∂loss/∂logits for those rows, scaled by {@code gradScale} (1 for the mean loss); it may be the logits
     * array itself (each row is read before it is overwritten).
     *
     * @return the mean cross-entropy, NaN when no label is scored
     */
    public static double lossOnRows(float[] logits, int[] rows, int[] labels, int vocab, float[] dlogits, double gradScale) {
        return lossOnRows(ExecutionContext.singleThreaded(), logits, rows, labels, vocab, dlogits, gradScale);
    }

    /**
     * {@link #lossOnRows(float[], int[], int[], int, float[], double)} with rows spread over the context's
     * threads: per row, {@link Ops#crossEntropy} — one vectorised pass of exp(x − max) (kept as the
     * unnormalised softmax when dlogits is wanted), then {@code loss = max + log Σ − x_y} and
     * {@code dlogits = s·(softmax − onehot(y))/n}.
     */
    public static double lossOnRows(ExecutionContext ctx, float[] logits, int[] rows, int[] labels, int vocab, float[] dlogits,
                                    double gradScale) {
        int n = rows.length;
        if (n == 0) {
            return Double.NaN;
        }
        for (int row : rows) {
            int y = labels[row + 1];
            if (y < 0 || y >= vocab) {
                throw new IllegalArgumentException("label " + y + " at position " + (row + 1) + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        double[] rowLoss = new double[n];
        double s = gradScale / n;
        ctx.parallelFor(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                rowLoss[i] = Ops.crossEntropy(logits, i * vocab, vocab, labels[rows[i] + 1], dlogits, i * vocab, s);
            }
        });
        double total = 0;
        for (double l : rowLoss) {
            total += l;
        }
        return total / n;
    }

    /** The loss over full logits [T, V] (all rows computed). */
    public static double loss(float[] logits, int[] labels, int vocab) {
        int[] rows = scoredRows(labels);
        float[] picked = new float[rows.length * vocab];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(logits, rows[i] * vocab, picked, i * vocab, vocab);
        }
        return lossOnRows(picked, rows, labels, vocab, null, 1);
    }
}
