package org.pkt4j.postalign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pkt4j.testing.Close.assertClose;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;

class TruncatedSvdTest {

    /** A matrix with a known spectrum: U diag(s) Vᵀ from orthonormal factors. */
    private static float[] spectrum(int m, int n, double[] s, long seed) {
        int k = s.length;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] u = new float[m * k];
        float[] v = new float[n * k];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) RandomLlama.gaussian(rng);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) RandomLlama.gaussian(rng);
        }
        TruncatedSvd uq = TruncatedSvd.exact(u, m, k, k);
        TruncatedSvd vq = TruncatedSvd.exact(v, n, k, k);
        // orthonormal columns: B/values of an exact SVD of a tall matrix
        float[] out = new float[m * n];
        for (int r = 0; r < k; r++) {
            for (int i = 0; i < m; i++) {
                double ui = uq.b()[i * k + r] / uq.values()[r];
                for (int j = 0; j < n; j++) {
                    double vj = vq.b()[j * k + r] / vq.values()[r];
                    out[i * n + j] += (float) (s[r] * ui * vj);
                }
            }
        }
        return out;
    }

    @Test
    void exactRecoversAKnownSpectrum() {
        double[] s = {9, 5, 3, 1, 0.5};
        float[] m = spectrum(20, 12, s, 1);
        TruncatedSvd svd = TruncatedSvd.exact(m, 20, 12, 3);
        assertThat(svd.values()).containsExactly(new double[] {9, 5, 3}, org.assertj.core.data.Offset.offset(1e-5));
        float[] want = spectrum(20, 12, new double[] {9, 5, 3, 0, 0}, 1);
        assertClose("B·A", svd.product(), want, 1e-5, 1e-6);
    }

    /** The randomized path agrees with the full SVD on B·A (sign-invariant) and the singular values. */
    @Test
    void randomizedMatchesExact() {
        int m = 300, n = 220, r = 8;
        double[] s = new double[40];
        for (int i = 0; i < s.length; i++) {
            s[i] = 10 * Math.pow(0.8, i);
        }
        float[] mat = spectrum(m, n, s, 2);
        TruncatedSvd exact = TruncatedSvd.exact(mat, m, n, r);
        TruncatedSvd fast = TruncatedSvd.randomized(ExecutionContext.of(2), mat, m, n, r, 10, 4, 7);
        for (int i = 0; i < r; i++) {
            assertThat(fast.values()[i]).isCloseTo(exact.values()[i], org.assertj.core.data.Offset.offset(1e-4 * exact.values()[0]));
        }
        assertClose("B·A", fast.product(), exact.product(), 1e-3, 0);
    }

    /** The Gram path of thin matrices agrees with the full SVD on a flat (random-weight) spectrum, wide and tall. */
    @ParameterizedTest
    @CsvSource({"40,900,6,1", "700,30,5,2", "64,64,64,3"})
    void thinMatchesExact(int m, int n, int r, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] mat = new float[m * n];
        for (int i = 0; i < mat.length; i++) {
            mat[i] = (float) RandomLlama.gaussian(rng);
        }
        TruncatedSvd exact = TruncatedSvd.exact(mat, m, n, r);
        TruncatedSvd thin = TruncatedSvd.thin(ExecutionContext.of(2), mat, m, n, r);
        for (int i = 0; i < r; i++) {
            assertThat(thin.values()[i]).isCloseTo(exact.values()[i], org.assertj.core.data.Offset.offset(1e-9 * exact.values()[0]));
        }
        assertClose("B·A", thin.product(), exact.product(), 1e-5, 0);
        assertThat(thin.b()).hasSize(m * r);
        assertThat(thin.a()).hasSize(r * n);
    }

    /** A rank-deficient thin matrix falls back to the full SVD rather than dividing by a zero singular value. */
    @Test
    void thinRankDeficientFallsBack() {
        int m = 20, n = 300;
        float[] mat = new float[m * n];
        for (int j = 0; j < n; j++) {
            mat[j] = (float) Math.sin(j);
            mat[n + j] = (float) Math.cos(j);
        }
        TruncatedSvd thin = TruncatedSvd.thin(ExecutionContext.singleThreaded(), mat, m, n, 4);
        assertClose("B·A", thin.product(), mat, 1e-5, 1e-6);
        for (float v : thin.a()) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    /**
     * On a flat spectrum (a random-weight slice) the randomized range finder cannot isolate the exact top-r subspace,
     * but its approximation is near-optimal: ‖M − B·A‖_F within 1% of the exact truncation's. Trained weights have
     * decaying spectra, where {@link #randomizedMatchesExact} shows it matching B·A itself.
     */
    @Test
    void randomizedIsNearOptimalOnAFlatSpectrum() {
        int m = 240, n = 300, r = 8;
        SplittableRandom rng = new SplittableRandom(5);
        float[] mat = new float[m * n];
        for (int i = 0; i < mat.length; i++) {
            mat[i] = (float) RandomLlama.gaussian(rng);
        }
        double exact = residual(mat, TruncatedSvd.exact(mat, m, n, r).product());
        double fast = residual(mat, TruncatedSvd.randomized(ExecutionContext.of(2), mat, m, n, r, 10, 4, 3).product());
        assertThat(fast).isBetween(exact, 1.01 * exact);
    }

    static double residual(float[] m, float[] approx) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            double d = m[i] - approx[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
