package org.pkt4j.train;

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
     * ∂loss/∂logits for those rows, scaled by {@code gradScale} (1 for the mean loss).
     *
     * @return the mean cross-entropy, NaN when no label is scored
     */
    public static double lossOnRows(float[] logits, int[] rows, int[] labels, int vocab, float[] dlogits, double gradScale) {
        int n = rows.length;
        if (n == 0) {
            return Double.NaN;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            int y = labels[rows[i] + 1];
            if (y < 0 || y >= vocab) {
                throw new IllegalArgumentException("label " + y + " at position " + (rows[i] + 1) + " is outside the vocabulary [0, " + vocab + ")");
            }
            int o = i * vocab;
            double lse = Ops.logSumExp(logits, o, vocab);
            total += lse - logits[o + y];
            if (dlogits != null) {
                double s = gradScale / n;
                for (int v = 0; v < vocab; v++) {
                    dlogits[o + v] = (float) (Math.exp(logits[o + v] - lse) * s);
                }
                dlogits[o + y] -= (float) s;
            }
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
