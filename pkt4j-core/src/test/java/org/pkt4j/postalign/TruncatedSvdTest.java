package org.pkt4j.postalign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pkt4j.testing.Close.assertClose;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
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
}
