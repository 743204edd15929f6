package org.pkt4j.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The vector exp: its scalar reference against {@link Math#exp} over the whole clamped range (the stated
 * {@link VectorMath#MAX_RELATIVE_ERROR}), and the vector kernel against the reference bit for bit,
 * including out-of-range inputs, infinities and NaN.
 */
class VectorMathTest {

    @Test
    void referenceIsWithinTheStatedErrorOfMathExp() {
        double worst = 0;
        float worstAt = 0;
        // every 499th float magnitude in the range (about 4.5 million values), both signs, plus the points
        // where x·log2 e is an integer or a half-integer (the edges of the reduced range)
        int[] limits = {Float.floatToRawIntBits(-VectorMath.LOW), Float.floatToRawIntBits(VectorMath.HIGH)};
        for (int sign = 0; sign < 2; sign++) {
            for (int bits = 0; bits <= limits[sign]; bits += 499) {
                float x = Float.intBitsToFloat(bits) * (sign == 0 ? -1 : 1);
                double rel = relative(x);
                if (rel > worst) {
                    worst = rel;
                    worstAt = x;
                }
            }
        }
        for (int n = -125; n <= 127; n++) {
            for (double h : new double[] {-0.5, 0, 0.5}) {
                float x = (float) ((n + h) * Math.log(2));
                if (x >= VectorMath.LOW && x <= VectorMath.HIGH && relative(x) > worst) {
                    worst = relative(x);
                    worstAt = x;
                }
            }
        }
        assertTrue(worst <= VectorMath.MAX_RELATIVE_ERROR, "max relative error " + worst + " at " + worstAt);
    }

    @Test
    void vectorMatchesTheReferenceBitForBit() {
        SplittableRandom rng = new SplittableRandom(5);
        int L = MatMul.L;
        float[] special = {0f, -0f, 1f, -1f, 1e-30f, -1e-30f, VectorMath.LOW, VectorMath.HIGH, -87.5f, 88.5f, -200f, 200f,
            Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, Float.MAX_VALUE, -Float.MAX_VALUE, 0.34657359f};
        float[] x = new float[64 * L];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < special.length ? special[i] : (float) (rng.nextDouble() * 200 - 100);
        }
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            VectorMath.exp(FloatVector.fromArray(MatMul.F, x, i)).intoArray(y, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(VectorMathScalar.exp(x[i])), Float.floatToRawIntBits(y[i]),
                    "exp(" + x[i] + "): vector " + y[i] + ", scalar " + VectorMathScalar.exp(x[i]));
        }
    }

    @Test
    void clampsOutsideTheNormalRangeAndKeepsNaN() {
        assertEquals(VectorMathScalar.exp(VectorMath.LOW), VectorMathScalar.exp(-1000f));
        assertEquals(VectorMathScalar.exp(VectorMath.LOW), VectorMathScalar.exp(Float.NEGATIVE_INFINITY));
        assertTrue(VectorMathScalar.exp(VectorMath.LOW) < 1.2e-38f);
        assertEquals(VectorMathScalar.exp(VectorMath.HIGH), VectorMathScalar.exp(Float.POSITIVE_INFINITY));
        assertTrue(VectorMathScalar.exp(VectorMath.HIGH) > 2.3e38f && Float.isFinite(VectorMathScalar.exp(VectorMath.HIGH)));
        assertTrue(Float.isNaN(VectorMathScalar.exp(Float.NaN)));
        assertEquals(1f, VectorMathScalar.exp(0f));
    }

    private static double relative(float x) {
        double want = Math.exp(x);
        return Math.abs(VectorMathScalar.exp(x) - want) / want;
    }
}
