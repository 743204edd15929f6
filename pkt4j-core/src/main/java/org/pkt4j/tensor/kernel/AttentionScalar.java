package org.pkt4j.tensor.kernel;

/**
 * The scalar reference of {@link Attention}: the same signatures and layouts, one query row and one key at
 * a time in plain loops, {@link Math#exp} softmax, double sums. The conformance test compares the blocked
 * kernels with it on odd shapes.
 */
public final class AttentionScalar {
    private AttentionScalar() {
    }

    /** See {@link Attention#forward}. */
    public static void forward(float[] q, float[] keys, float[] vals, int pos0, int T, Attention.Shape s, float[] out,
                               float[] probs, Attention.RowObserver observer) {
        int H = s.heads(), hd = s.headDim(), kvd = s.kvDim(), group = s.group();
        double scale = 1.0 / Math.sqrt(hd);
        float[] p = new float[pos0 + T];
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) {
                int g = h / group, pos = pos0 + t, j0 = s.firstKey(pos), qo = t * H * hd + h * hd;
                double max = Double.NEGATIVE_INFINITY;
                double[] z = new double[pos + 1];
                for (int j = j0; j <= pos; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += (double) q[qo + e] * keys[j * kvd + g * hd + e];
                    }
                    z[j] = dot * scale;
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (int j = j0; j <= pos; j++) {
                    z[j] = Math.exp(z[j] - max);
                    sum += z[j];
                }
                java.util.Arrays.fill(p, 0f);
                for (int j = j0; j <= pos; j++) {
                    p[j] = (float) (z[j] / sum);
                }
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = j0; j <= pos; j++) {
                        acc += z[j] / sum * vals[j * kvd + g * hd + e];
                    }
                    out[qo + e] = (float) acc;
                }
                if (probs != null) {
                    System.arraycopy(p, 0, probs, (h * T + t) * T, T);
                }
                if (observer != null) {
                    observer.onRow(t, h, p, j0, pos - j0 + 1);
                }
            }
        }
    }

    /** See {@link Attention#backward}; {@code probs} may be null (recomputed here), {@code work} is not used. */
    public static void backward(float[] q, float[] keys, float[] vals, int T, Attention.Shape s, float[] probs, float[] dout,
                                float[] dq, float[] dk, float[] dv) {
        int H = s.heads(), hd = s.headDim(), kvd = s.kvDim(), group = s.group();
        double scale = 1.0 / Math.sqrt(hd);
        float[] p = probs;
        if (p == null) {
            p = new float[H * T * T];
            forward(q, keys, vals, 0, T, s, new float[T * H * hd], p, null);
        }
        java.util.Arrays.fill(dq, 0, T * H * hd, 0f);
        java.util.Arrays.fill(dk, 0, T * kvd, 0f);
        java.util.Arrays.fill(dv, 0, T * kvd, 0f);
        double[] dqAcc = new double[T * H * hd], dkAcc = new double[T * kvd], dvAcc = new double[T * kvd];
        for (int h = 0; h < H; h++) {
            int g = h / group;
            for (int t = 0; t < T; t++) {
                int j0 = s.firstKey(t), qo = t * H * hd + h * hd, row = (h * T + t) * T;
                double[] dp = new double[t + 1];
                double dot = 0;
                for (int j = j0; j <= t; j++) {
                    for (int e = 0; e < hd; e++) {
                        dp[j] += (double) dout[qo + e] * vals[j * kvd + g * hd + e];
                    }
                    dot += p[row + j] * dp[j];
                }
                for (int j = j0; j <= t; j++) {
                    double ds = p[row + j] * (dp[j] - dot) * scale;
                    for (int e = 0; e < hd; e++) {
                        dqAcc[qo + e] += ds * keys[j * kvd + g * hd + e];
                        dkAcc[j * kvd + g * hd + e] += ds * q[qo + e];
                        dvAcc[j * kvd + g * hd + e] += (double) p[row + j] * dout[qo + e];
                    }
                }
            }
        }
        for (int i = 0; i < dqAcc.length; i++) {
            dq[i] = (float) dqAcc[i];
        }
        for (int i = 0; i < dkAcc.length; i++) {
            dk[i] = (float) dkAcc[i];
            dv[i] = (float) dvAcc[i];
        }
    }
}
