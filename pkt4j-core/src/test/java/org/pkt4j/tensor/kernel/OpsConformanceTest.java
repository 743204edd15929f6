package org.pkt4j.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * The vectorised kernels of {@link Ops} against their scalar references in {@link OpsScalar} on seeded odd
 * lengths (below, at and past the vector width, and a vocabulary-wide row), norm weights in every stored
 * dtype. The vector kernels use {@link VectorMath#exp} and fp32 lane sums where the references use
 * {@link Math#exp} and double sums, so the bounds are relative (1e-6 of the largest value), not bitwise.
 */
class OpsConformanceTest {

    private static final double REL = 1e-6;

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 17, 37, 288, 1025})
    void rmsNormAndBackward(int d) {
        for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            SplittableRandom rng = new SplittableRandom(d * 7L + dt.ordinal());
            int n = 3;
            float[] x = random(rng, n * d, 3);
            Tensor w = Tensor.allocate("norm", dt, d);
            for (int i = 0; i < d; i++) {
                w.setFloat(i, (float) (1 + 0.3 * (2 * rng.nextDouble() - 1)));
            }
            float[] want = new float[n * d], got = new float[n * d], invWant = new float[n], invGot = new float[n];
            OpsScalar.rmsNorm(x, n, d, w, 1e-5, want, invWant);
            Ops.rmsNorm(x, n, d, w, 1e-5, got, invGot);
            assertClose(dt + " rmsNorm d=" + d, got, want, REL, 0);
            assertClose(dt + " invRms d=" + d, invGot, invWant, REL, 0);

            float[] dout = random(rng, n * d, 1);
            float[] dx0 = random(rng, n * d, 1), dw0 = random(rng, d, 1);
            float[] dxWant = dx0.clone(), dwWant = dw0.clone(), dxGot = dx0.clone(), dwGot = dw0.clone();
            OpsScalar.rmsNormBackward(x, n, d, w, invWant, dout, dxWant, dwWant);
            Ops.rmsNormBackward(x, n, d, w, invWant, dout, dxGot, dwGot);
            assertClose(dt + " rmsNorm dx d=" + d, dxGot, dxWant, 1e-5, 0);
            assertClose(dt + " rmsNorm dw d=" + d, dwGot, dwWant, 1e-5, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 17, 37, 768, 1025})
    void swigluAndBackward(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        // gate values past ±88 exercise the clamped range of the vector exp
        float[] g = random(rng, n, 12);
        g[0] = n > 1 ? -95f : g[0];
        float[] u = random(rng, n, 2), dc = random(rng, n, 1);
        float[] want = new float[n], got = new float[n];
        OpsScalar.swiglu(g, u, want, n);
        Ops.swiglu(g, u, got, n);
        assertClose("swiglu n=" + n, got, want, REL, 1e-30);
        float[] dgW = new float[n], duW = new float[n], dgG = new float[n], duG = new float[n];
        OpsScalar.swigluBackward(g, u, dc, dgW, duW, n);
        Ops.swigluBackward(g, u, dc, dgG, duG, n);
        assertClose("swiglu dgate n=" + n, dgG, dgW, REL, 1e-30);
        assertClose("swiglu dup n=" + n, duG, duW, REL, 1e-30);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 17, 255, 1025, 32000})
    void softmaxAndCrossEntropy(int n) {
        SplittableRandom rng = new SplittableRandom(n * 3L);
        int off = 3;
        float[] x = new float[off + n + 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (8 * rng.nextGaussian());
        }
        float[] want = x.clone(), got = x.clone();
        OpsScalar.softmax(want, off, n);
        Ops.softmax(got, off, n);
        assertClose("softmax n=" + n, got, want, REL, 0);

        int target = rng.nextInt(n);
        float[] dWant = new float[x.length], dGot = new float[x.length];
        double lWant = OpsScalar.crossEntropy(x, off, n, target, dWant, off, 0.37);
        double lGot = Ops.crossEntropy(x, off, n, target, dGot, off, 0.37);
        assertEquals(lWant, lGot, 1e-6 * Math.max(1, Math.abs(lWant)), "cross-entropy n=" + n);
        assertClose("cross-entropy dx n=" + n, dGot, dWant, REL, 0);
        // in place gives the same values; not bit for bit, since the JIT may order a vector reduction differently
        // once it compiles the kernel between the two calls (the fp32 block sums are good to ~1e-7 relative; one CI
        // run saw 2e-9 relative on the loss at n = 32000)
        float[] inPlace = x.clone();
        assertEquals(lGot, Ops.crossEntropy(inPlace, off, n, target, inPlace, off, 0.37), 1e-7 * Math.max(1, Math.abs(lGot)), "in place");
        for (int i = 0; i < n; i++) {
            assertEquals(dGot[off + i], inPlace[off + i], 1e-6 * Math.max(1e-3, Math.abs(dGot[off + i])), "in-place dx " + i);
        }
        assertEquals(lWant, OpsScalar.crossEntropy(x, off, n, target, null, 0, 1), 0, "loss without dx");
    }

    private static float[] random(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (2 * rng.nextDouble() - 1));
        }
        return v;
    }
}
