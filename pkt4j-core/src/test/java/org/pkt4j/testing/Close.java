package org.pkt4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.pkt4j.tensor.Tensor;

/** Tolerance assertions with messages that name the tensor, the worst index and both values. */
public final class Close {
    private Close() {
    }

    /** max |actual - expected| <= atol + rtol * max|expected| over the tensor. */
    public static void assertClose(String what, float[] actual, float[] expected, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxExp = 0;
        for (float e : expected) {
            maxExp = Math.max(maxExp, Math.abs(e));
        }
        double tol = atol + rtol * maxExp;
        double worst = -1;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (!(diff <= worst)) {
                worst = diff;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            fail(String.format("%s: max |diff| %.3g at %d (actual %.8g, expected %.8g) exceeds %.3g (max |expected| %.3g)",
                    what, worst, at, actual[at], expected[at], tol, maxExp));
        }
    }

    public static void assertClose(String what, float[] actual, Tensor expected, double rtol, double atol) {
        assertClose(what, actual, expected.toFloatArray(), rtol, atol);
    }

    public static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
