package org.pkt4j.tensor.kernel;

/** Scalar double-precision reference for {@link LogSumExpAxpy}: the same signature, plain loops. */
public final class LogSumExpAxpyScalar {
    private LogSumExpAxpyScalar() {
    }

    /** log Σ_{i<n} exp(b[bo+i] + alpha·y[yo+i]), in double. */
    public static double logSumExp(float[] b, int bo, float alpha, float[] y, int yo, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, b[bo + i] + (double) alpha * y[yo + i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(b[bo + i] + (double) alpha * y[yo + i] - max);
        }
        return max + Math.log(sum);
    }
}
