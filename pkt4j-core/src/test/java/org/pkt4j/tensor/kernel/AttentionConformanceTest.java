package org.pkt4j.tensor.kernel;

import static org.pkt4j.testing.Close.assertClose;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkt4j.tensor.ExecutionContext;

/**
 * The attention kernels (blocked for many rows, row kernels for decode) against {@link AttentionScalar} on
 * seeded odd shapes: head dims below, at and past the tile width, ragged query and key blocks, grouped and
 * multi-query heads, sliding windows, rows after a cached prefix, one and three threads. Every output array
 * is compared whole, so writes outside their range fail too.
 */
class AttentionConformanceTest {

    private static final ExecutionContext THREE = ExecutionContext.of(3);
    private static final double RTOL = 2e-6;

    @AfterAll
    static void closePool() {
        THREE.close();
    }

    @ParameterizedTest(name = "H={0} KV={1} hd={2} window={3} pos0={4} T={5}")
    @CsvSource({"4,4,6,0,0,9", "6,2,48,0,0,70", "4,1,20,5,0,33", "6,6,48,0,37,17", "2,1,16,0,100,1", "3,3,7,4,10,3",
        "2,2,33,0,0,8", "6,6,48,0,0,256", "4,2,64,0,5,40", "12,12,64,0,0,7", "8,2,64,0,300,3", "6,3,32,50,400,2"})
    void forwardMatchesTheReference(int H, int KV, int hd, int window, int pos0, int T) {
        SplittableRandom rng = new SplittableRandom(H * 1000L + hd * 10L + T + pos0);
        Attention.Shape s = new Attention.Shape(H, KV, hd, window);
        int N = pos0 + T;
        float[] q = random(rng, T * H * hd, 1.5);
        float[] k = random(rng, (N + 2) * KV * hd, 1.5);
        float[] v = random(rng, (N + 2) * KV * hd, 1);
        float[] want = random(rng, T * H * hd, 1);
        float[] wantProbs = pos0 == 0 ? random(rng, H * T * T, 1) : null;
        float[][] wantRows = new float[T * H][];
        AttentionScalar.forward(q, k, v, pos0, T, s, want, wantProbs, (t, h, p, j0, n) -> wantRows[t * H + h] = slice(p, j0, n));
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
            float[] got = random(rng, want.length, 1);
            float[] gotProbs = pos0 == 0 ? random(rng, H * T * T, 1) : null;
            float[][] gotRows = new float[T * H][];
            Attention.forward(ctx, q, k, v, pos0, T, s, got, gotProbs, (t, h, p, j0, n) -> gotRows[t * H + h] = slice(p, j0, n));
            String what = "H=" + H + " KV=" + KV + " hd=" + hd + " w=" + window + " pos0=" + pos0 + " T=" + T + " t=" + ctx.threads();
            assertClose("out " + what, got, want, RTOL, 1e-7);
            if (pos0 == 0) {
                assertClose("probs " + what, gotProbs, wantProbs, RTOL, 1e-7);
            }
            for (int i = 0; i < T * H; i++) {
                assertClose("observed row " + i + " " + what, gotRows[i], wantRows[i], RTOL, 1e-7);
            }
        }
    }

    @ParameterizedTest(name = "H={0} KV={1} hd={2} window={3} T={4} stored={5}")
    @CsvSource({"4,4,6,0,9,true", "4,4,6,0,9,false", "6,2,48,0,70,true", "6,2,48,0,70,false", "4,1,20,5,33,false",
        "4,1,20,5,33,true", "2,2,33,0,8,true", "6,6,48,0,256,true", "3,3,7,0,5,false", "12,12,64,11,41,false"})
    void backwardMatchesTheReference(int H, int KV, int hd, int window, int T, boolean stored) {
        SplittableRandom rng = new SplittableRandom(H * 777L + hd * 3L + T + window);
        Attention.Shape s = new Attention.Shape(H, KV, hd, window);
        float[] q = random(rng, T * H * hd, 1.5);
        float[] k = random(rng, T * KV * hd, 1.5);
        float[] v = random(rng, T * KV * hd, 1);
        float[] dout = random(rng, T * H * hd, 1);
        float[] probs = null;
        if (stored) {
            probs = new float[H * T * T];
            AttentionScalar.forward(q, k, v, 0, T, s, new float[T * H * hd], probs, null);
        }
        float[] dqW = new float[T * H * hd], dkW = new float[T * KV * hd], dvW = new float[T * KV * hd];
        AttentionScalar.backward(q, k, v, T, s, probs, dout, dqW, dkW, dvW);
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
            // garbage in the outputs and the work buffer: everything must be written, nothing read before
            float[] dq = random(rng, dqW.length, 9), dk = random(rng, dkW.length, 9), dv = random(rng, dvW.length, 9);
            float[] work = random(rng, (int) Attention.backwardWorkSize(T, s, stored) + 5, 9);
            Attention.backward(ctx, q, k, v, T, s, probs, dout, dq, dk, dv, work);
            String what = "H=" + H + " KV=" + KV + " hd=" + hd + " w=" + window + " T=" + T + " stored=" + stored + " t=" + ctx.threads();
            assertClose("dq " + what, dq, dqW, RTOL * 5, 1e-7);
            assertClose("dk " + what, dk, dkW, RTOL * 5, 1e-7);
            assertClose("dv " + what, dv, dvW, RTOL * 5, 1e-7);
        }
    }

    private static float[] slice(float[] p, int j0, int n) {
        return java.util.Arrays.copyOfRange(p, j0, j0 + n);
    }

    private static float[] random(SplittableRandom rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * (2 * rng.nextDouble() - 1));
        }
        return x;
    }
}
