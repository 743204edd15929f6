package org.pkt4j.kernel;

import static org.pkt4j.testing.Close.assertClose;
import static org.pkt4j.testing.GradCheck.assertGrad;
import static org.pkt4j.testing.GradCheck.dot;
import static org.pkt4j.testing.GradCheck.numeric;
import static org.pkt4j.testing.GradCheck.randomFloats;
import static org.pkt4j.testing.GradCheck.toDouble;
import static org.pkt4j.testing.GradCheck.toFloat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkt4j.llama.LlamaConfig.RopeConfig;
import org.pkt4j.llama.Rope;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.Attention;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.tensor.kernel.Ops;
import org.pkt4j.testing.DoubleRef;
import org.pkt4j.testing.GradCheck;
import org.pkt4j.train.CausalLmLoss;

/**
 * Every forward kernel against its double-precision reference, and its backward sibling against central
 * finite differences of that reference on {@code L = Σ out·dout} (odd shapes, seeded).
 */
class KernelGradCheckTest {

    /** Float forward vs double reference, and float backward vs the double numeric gradient. */
    static final double FWD_REL = 2e-6;
    static final double BWD_REL = 2e-5;
    static final ExecutionContext TWO = ExecutionContext.of(2);

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void linearPair(DType dtype) {
        SplittableRandom rng = new SplittableRandom(11);
        int m = 5, k = 19, n = 13;
        float[] x = randomFloats(rng, m * k, 1);
        Tensor w = Tensor.allocate("w", dtype, n, k);
        float[] wf = randomFloats(rng, n * k, 0.5);
        for (int i = 0; i < wf.length; i++) {
            w.setFloat(i, wf[i]);
        }
        double[] wd = toDouble(w.toFloatArray());
        double[] dout = toDouble(randomFloats(rng, m * n, 1));

        float[] y = new float[m * n];
        MatMul.linear(TWO, x, 0, m, k, w, y, 0, false);
        assertClose("linear forward", y, toFloat(DoubleRef.linear(toDouble(x), m, k, wd, n)), FWD_REL, 0);

        float[] dx = new float[m * k];
        MatMul.linearBackwardInput(TWO, toFloat(dout), 0, m, n, w, dx, 0, false);
        assertGrad("linear dx", dx, numeric(xs -> dot(DoubleRef.linear(xs, m, k, wd, n), dout), toDouble(x)), BWD_REL, 0);

        float[] dw = new float[n * k];
        MatMul.linearBackwardWeight(TWO, toFloat(dout), 0, x, 0, m, n, k, dw, 0);
        double[] xd = toDouble(x);
        assertGrad("linear dW", dw, numeric(ws -> dot(DoubleRef.linear(xd, m, k, ws, n), dout), wd.clone()), BWD_REL, 0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rmsNormPair(DType dtype) {
        SplittableRandom rng = new SplittableRandom(12);
        int n = 3, d = 23;
        double eps = 1e-5;
        float[] x = randomFloats(rng, n * d, 2);
        Tensor w = Tensor.allocate("norm", dtype, d);
        for (int i = 0; i < d; i++) {
            w.setFloat(i, 1 + 0.3f * (float) (2 * rng.nextDouble() - 1));
        }
        double[] wd = toDouble(w.toFloatArray());
        double[] dout = toDouble(randomFloats(rng, n * d, 1));

        float[] y = new float[n * d];
        float[] inv = new float[n];
        Ops.rmsNorm(x, n, d, w, eps, y, inv);
        assertClose("rmsNorm forward", y, toFloat(DoubleRef.rmsNorm(toDouble(x), n, d, wd, eps)), FWD_REL, 0);

        float[] dx = new float[n * d];
        float[] dw = new float[d];
        Ops.rmsNormBackward(x, n, d, w, inv, toFloat(dout), dx, dw);
        assertGrad("rmsNorm dx", dx, numeric(xs -> dot(DoubleRef.rmsNorm(xs, n, d, wd, eps), dout), toDouble(x)), BWD_REL, 0);
        double[] xd = toDouble(x);
        assertGrad("rmsNorm dw", dw, numeric(ws -> dot(DoubleRef.rmsNorm(xd, n, d, ws, eps), dout), wd.clone()), BWD_REL, 0);
    }

    @Test
    void swigluPair() {
        SplittableRandom rng = new SplittableRandom(13);
        int n = 37;
        float[] g = randomFloats(rng, n, 6);
        float[] u = randomFloats(rng, n, 2);
        double[] dout = toDouble(randomFloats(rng, n, 1));
        float[] c = new float[n];
        Ops.swiglu(g, u, c, n);
        assertClose("swiglu forward", c, toFloat(DoubleRef.swiglu(toDouble(g), toDouble(u))), FWD_REL, 0);
        float[] dg = new float[n];
        float[] du = new float[n];
        Ops.swigluBackward(g, u, toFloat(dout), dg, du, n);
        double[] gd = toDouble(g), ud = toDouble(u);
        assertGrad("swiglu dgate", dg, numeric(gs -> dot(DoubleRef.swiglu(gs, ud), dout), gd.clone()), BWD_REL, 0);
        assertGrad("swiglu dup", du, numeric(us -> dot(DoubleRef.swiglu(gd, us), dout), ud.clone()), BWD_REL, 0);
    }

    @Test
    void biasPair() {
        SplittableRandom rng = new SplittableRandom(14);
        int n = 4, width = 11;
        float[] y0 = randomFloats(rng, n * width, 1);
        float[] b = randomFloats(rng, width, 1);
        double[] dout = toDouble(randomFloats(rng, n * width, 1));
        float[] y = y0.clone();
        Ops.addBias(y, n, Tensor.ofFloats("b", b, width));
        assertClose("bias forward", y, toFloat(DoubleRef.addBias(toDouble(y0), n, toDouble(b))), FWD_REL, 0);
        float[] db = new float[width];
        Ops.addBiasBackward(toFloat(dout), n, width, db);
        double[] yd = toDouble(y0);
        assertGrad("bias db", db, numeric(bs -> dot(DoubleRef.addBias(yd, n, bs), dout), toDouble(b)), BWD_REL, 0);
    }

    @Test
    void embeddingPair() {
        SplittableRandom rng = new SplittableRandom(15);
        int vocab = 9, d = 7;
        int[] ids = {3, 0, 3, 8, 5, 3};
        float[] e = randomFloats(rng, vocab * d, 1);
        double[] dout = toDouble(randomFloats(rng, ids.length * d, 1));
        float[] x = new float[ids.length * d];
        Ops.embedding(Tensor.ofFloats("e", e, vocab, d), ids, x);
        assertClose("embedding forward", x, toFloat(DoubleRef.embedding(toDouble(e), d, ids)), 0, 0);
        float[] dE = new float[vocab * d];
        Ops.embeddingBackward(ids, toFloat(dout), d, dE);
        assertGrad("embedding dE", dE, numeric(es -> dot(DoubleRef.embedding(es, d, ids), dout), toDouble(e)), BWD_REL, 0);
    }

    /** RoPE at positions past 300 (long-position precision) with 3 heads; its backward is the inverse rotation. */
    @Test
    void ropePair() {
        SplittableRandom rng = new SplittableRandom(16);
        int n = 5, heads = 3, hd = 10, pos0 = 313;
        double theta = 10000;
        float[] x = randomFloats(rng, n * heads * hd, 1);
        double[] dout = toDouble(randomFloats(rng, x.length, 1));
        Rope rope = new Rope(hd, RopeConfig.plain(theta));
        float[][] tables = rope.tables(pos0, n);
        float[] y = x.clone();
        rope.apply(y, n, heads, tables, false);
        assertClose("rope forward", y, toFloat(DoubleRef.rope(toDouble(x), n, heads, hd, theta, pos0)), 1e-5, 0);
        float[] dx = toFloat(dout);
        rope.apply(dx, n, heads, tables, true);
        assertGrad("rope dx", dx, numeric(xs -> dot(DoubleRef.rope(xs, n, heads, hd, theta, pos0), dout), toDouble(x)), BWD_REL, 0);
    }

    @ParameterizedTest
    @CsvSource({"4,4,0,STORE", "6,2,0,RECOMPUTE", "4,1,3,STORE", "4,2,4,RECOMPUTE"})
    void attentionPair(int heads, int kvHeads, int window, String memory) {
        SplittableRandom rng = new SplittableRandom(17 + heads * 31 + kvHeads * 7 + window);
        int T = 9, hd = 6;
        Attention.Shape s = new Attention.Shape(heads, kvHeads, hd, window);
        int qd = heads * hd, kvd = kvHeads * hd;
        float[] q = randomFloats(rng, T * qd, 1.5);
        float[] k = randomFloats(rng, T * kvd, 1.5);
        float[] v = randomFloats(rng, T * kvd, 1);
        double[] dout = toDouble(randomFloats(rng, T * qd, 1));
        boolean store = memory.equals("STORE");

        float[] out = new float[T * qd];
        float[] probs = store ? new float[heads * T * T] : null;
        Attention.forward(TWO, q, k, v, 0, T, s, out, probs, null);
        double[] qd0 = toDouble(q), kd0 = toDouble(k), vd0 = toDouble(v);
        assertClose("attention forward", out, toFloat(DoubleRef.attention(qd0, kd0, vd0, T, heads, kvHeads, hd, window)), FWD_REL, 1e-7);

        float[] dq = new float[T * qd], dk = new float[T * kvd], dv = new float[T * kvd];
        float[] work = new float[(int) Attention.backwardWorkSize(T, s, store)];
        Attention.backward(TWO, q, k, v, T, s, probs, toFloat(dout), dq, dk, dv, work);
        assertGrad("attention dq", dq, numeric(xs -> dot(DoubleRef.attention(xs, kd0, vd0, T, heads, kvHeads, hd, window), dout), qd0.clone()), BWD_REL, 0);
        assertGrad("attention dk", dk, numeric(xs -> dot(DoubleRef.attention(qd0, xs, vd0, T, heads, kvHeads, hd, window), dout), kd0.clone()), BWD_REL, 0);
        assertGrad("attention dv", dv, numeric(xs -> dot(DoubleRef.attention(qd0, kd0, xs, T, heads, kvHeads, hd, window), dout), vd0.clone()), BWD_REL, 0);
    }

    /** The loss is a scalar: its "dout" is 1 (and a scale s gives s·∂loss/∂logits). */
    @Test
    void crossEntropyPair() {
        SplittableRandom rng = new SplittableRandom(18);
        int vocab = 17;
        int[] labels = {-100, 4, -100, 16, 0, 9, -100};
        int[] rows = CausalLmLoss.scoredRows(labels);
        int R = rows.length;
        int[] targets = new int[R];
        for (int i = 0; i < R; i++) {
            targets[i] = labels[rows[i] + 1];
        }
        float[] logits = randomFloats(rng, R * vocab, 4);
        double scale = 0.37;
        float[] dlogits = new float[R * vocab];
        double loss = CausalLmLoss.lossOnRows(logits, rows, labels, vocab, dlogits, scale);
        double ref = DoubleRef.crossEntropy(toDouble(logits), R, vocab, targets);
        assertClose("cross-entropy", new float[] {(float) loss}, new float[] {(float) ref}, 1e-6, 0);
        assertGrad("cross-entropy dlogits", dlogits,
                GradCheck.numeric(ls -> scale * DoubleRef.crossEntropy(ls, R, vocab, targets), toDouble(logits)), BWD_REL, 0);
        float[] inPlace = logits.clone();
        double threaded = CausalLmLoss.lossOnRows(TWO, inPlace, rows, labels, vocab, inPlace, scale);
        assertClose("in-place, threaded dlogits", inPlace, dlogits, 0, 0);
        assertClose("threaded loss", new float[] {(float) threaded}, new float[] {(float) loss}, 0, 0);
    }
}
