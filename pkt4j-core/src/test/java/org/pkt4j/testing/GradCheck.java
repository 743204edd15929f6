package org.pkt4j.testing;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Central finite differences in double precision. A kernel pair is checked by writing its forward as a
 * double-precision scalar reference {@code f}, taking {@code L = Σ f(x)·dout} for a fixed random dout, and
 * comparing the float backward kernel's ∂L/∂x with {@code (L(x + h e_i) − L(x − h e_i)) / 2h}. In double the
 * difference quotient is accurate to ~1e-10 relative for h = 1e-5 on these smooth functions, far below the
 * float kernel's rounding, so any disagreement above ~1e-5 is a bug in the backward formula.
 */
public final class GradCheck {
    private GradCheck() {
    }

    public static final double H = 1e-5;

    /** The gradient of {@code loss} at {@code x} by central differences (x is restored). */
    public static double[] numeric(ToDoubleFunction<double[]> loss, double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            double up = loss.applyAsDouble(x);
            x[i] = keep - H;
            double down = loss.applyAsDouble(x);
            x[i] = keep;
            g[i] = (up - down) / (2 * H);
        }
        return g;
    }

    /** Σ out·dout. */
    public static double dot(double[] out, double[] dout) {
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += out[i] * dout[i];
        }
        return s;
    }

    public static float[] randomFloats(SplittableRandom rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * (2 * rng.nextDouble() - 1));
        }
        return x;
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** Asserts a float kernel's gradient against the numeric one: max |diff| <= rtol · max |numeric| + atol. */
    public static void assertGrad(String what, float[] actual, double[] numeric, double rtol, double atol) {
        Close.assertClose(what, actual, toFloat(numeric), rtol, atol);
    }
}
