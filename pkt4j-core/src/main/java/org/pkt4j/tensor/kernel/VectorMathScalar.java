package org.pkt4j.tensor.kernel;

import static org.pkt4j.tensor.kernel.VectorMath.HIGH;
import static org.pkt4j.tensor.kernel.VectorMath.LN2_HI;
import static org.pkt4j.tensor.kernel.VectorMath.LN2_LO;
import static org.pkt4j.tensor.kernel.VectorMath.LOG2E;
import static org.pkt4j.tensor.kernel.VectorMath.LOW;
import static org.pkt4j.tensor.kernel.VectorMath.P0;
import static org.pkt4j.tensor.kernel.VectorMath.P1;
import static org.pkt4j.tensor.kernel.VectorMath.P2;
import static org.pkt4j.tensor.kernel.VectorMath.P3;
import static org.pkt4j.tensor.kernel.VectorMath.P4;
import static org.pkt4j.tensor.kernel.VectorMath.P5;
import static org.pkt4j.tensor.kernel.VectorMath.ROUND;

/**
 * The scalar reference of {@link VectorMath}: the same operations on one float (every {@code fma} a
 * {@link Math#fma(float, float, float)}, which rounds once as the vector one does), so the two agree bit
 * for bit. The vector kernels use it for their tails.
 */
public final class VectorMathScalar {
    private VectorMathScalar() {
    }

    /** e^x, as {@link VectorMath#exp} computes it. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, LOW), HIGH);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        int bits = (Float.floatToRawIntBits(t) - (Float.floatToRawIntBits(ROUND) - 127)) << 23;
        return y * Float.intBitsToFloat(bits);
    }
}
