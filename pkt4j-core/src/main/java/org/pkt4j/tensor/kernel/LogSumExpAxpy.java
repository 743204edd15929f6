package org.pkt4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code log Σ_i exp(b[i] + α·y[i])}: the log-partition of a base row of logits moved along one direction.
 * Neuron attribution evaluates it once per neuron, against a base row {@code b} that is already
 * log-normalised, so the result is directly {@code LSE(b + α·y) - LSE(b)}. Max-shifted (two passes), fp32
 * lanes summed in blocks into a double so that a 32000-wide row keeps ~1e-7 relative accuracy.
 * {@link LogSumExpAxpyScalar} is the reference with the same signature.
 */
public final class LogSumExpAxpy {
    private LogSumExpAxpy() {
    }

    /** Elements summed in fp32 lanes before the partial sum is carried into the double total. */
    private static final int BLOCK = 1024;

    /** log Σ_{i<n} exp(b[bo+i] + alpha·y[yo+i]). */
    public static double logSumExp(float[] b, int bo, float alpha, float[] y, int yo, int n) {
        if (n == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        FloatVector a = FloatVector.broadcast(MatMul.F, alpha);
        int L = MatMul.L;
        int body = n - n % L;
        // pass 1: the max of z_i = b_i + α·y_i (the shift that keeps exp in range)
        FloatVector mv = FloatVector.broadcast(MatMul.F, Float.NEGATIVE_INFINITY);
        for (int p = 0; p < body; p += L) {
            mv = mv.max(FloatVector.fromArray(MatMul.F, y, yo + p).fma(a, FloatVector.fromArray(MatMul.F, b, bo + p)));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (int p = body; p < n; p++) {
            max = Math.max(max, Math.fma(alpha, y[yo + p], b[bo + p]));
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        // pass 2: Σ exp(z_i - max), fp32 lanes per block, blocks summed in double
        FloatVector shift = FloatVector.broadcast(MatMul.F, -max);
        double total = 0;
        for (int start = 0; start < body; start += BLOCK) {
            int end = Math.min(body, start + BLOCK);
            FloatVector acc = FloatVector.zero(MatMul.F);
            for (int p = start; p < end; p += L) {
                FloatVector z = FloatVector.fromArray(MatMul.F, y, yo + p).fma(a, FloatVector.fromArray(MatMul.F, b, bo + p));
                acc = acc.add(z.add(shift).lanewise(VectorOperators.EXP));
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        for (int p = body; p < n; p++) {
            total += Math.exp(Math.fma(alpha, y[yo + p], b[bo + p]) - max);
        }
        return max + Math.log(total);
    }
}
