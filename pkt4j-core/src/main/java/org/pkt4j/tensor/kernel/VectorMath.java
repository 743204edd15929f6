package org.pkt4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code exp} for fp32 vectors, the one transcendental of the softmaxes, SiLU and the loss: Cephes' expf
 * (range reduction {@code x = n·ln2 + r}, |r| ≤ ln2/2, a degree-6 polynomial for e^r, then the exponent
 * bits of 2^n) in fused multiply-adds. Largest error against {@link Math#exp}: {@link #MAX_RELATIVE_ERROR}
 * over the normal range, checked by a sweep in the conformance test. {@code Math.exp} costs ~3 ns a value
 * here, this ~0.2 ns; {@code VectorOperators.EXP} is as fast where the JDK has SVML stubs, but falls back
 * to a scalar loop on platforms without them, and its results are the platform's.
 *
 * <p>Outside [{@link #LOW}, {@link #HIGH}] the input is clamped: results below e^-87.3 ≈ 1.2e-38 (the
 * smallest normal float) come out as that, above e^88.38 ≈ 2.4e38 as that; NaN stays NaN.
 * {@link VectorMathScalar#exp} is the reference: the same operations, lane by lane, bit for bit.
 */
public final class VectorMath {
    private VectorMath() {
    }

    /** Relative error bound against Math.exp on [LOW, HIGH] (measured 8.2e-8, about one ulp). */
    public static final double MAX_RELATIVE_ERROR = 1.5e-7;
    /** Inputs are clamped to [LOW, HIGH]: 2^n stays a normal float. */
    static final float LOW = -87.33654f;
    static final float HIGH = 88.37626f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n·LN2_HI is exact for |n| ≤ 128. */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float to an integer, which then sits in the low mantissa bits. */
    static final float ROUND = 12582912f;
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    private static final FloatVector V_LOG2E = FloatVector.broadcast(MatMul.F, LOG2E);
    private static final FloatVector V_ROUND = FloatVector.broadcast(MatMul.F, ROUND);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(MatMul.F, -LN2_HI);
    private static final FloatVector V_LN2_LO = FloatVector.broadcast(MatMul.F, -LN2_LO);
    private static final FloatVector V_P1 = FloatVector.broadcast(MatMul.F, P1);
    private static final FloatVector V_P2 = FloatVector.broadcast(MatMul.F, P2);
    private static final FloatVector V_P3 = FloatVector.broadcast(MatMul.F, P3);
    private static final FloatVector V_P4 = FloatVector.broadcast(MatMul.F, P4);
    private static final FloatVector V_P5 = FloatVector.broadcast(MatMul.F, P5);
    /** Bits of ROUND minus the exponent bias: (bits(t) - this) << 23 are the bits of 2^n. */
    private static final int EXPONENT_OFFSET = Float.floatToRawIntBits(ROUND) - 127;

    /** e^x lane by lane. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(LOW).min(HIGH);
        // n = round(x·log2 e), as a float and in the low bits of t
        FloatVector t = x.fma(V_LOG2E, V_ROUND);
        FloatVector n = t.sub(ROUND);
        // r = x − n·ln 2 in two steps (Cody–Waite)
        FloatVector r = n.fma(V_LN2_HI, x);
        r = n.fma(V_LN2_LO, r);
        // e^r = 1 + r + r²·P(r)
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, V_P2);
        p = p.fma(r, V_P3);
        p = p.fma(r, V_P4);
        p = p.fma(r, V_P5);
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // 2^n from its exponent bits
        IntVector bits = t.reinterpretAsInts().sub(EXPONENT_OFFSET).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }
}
