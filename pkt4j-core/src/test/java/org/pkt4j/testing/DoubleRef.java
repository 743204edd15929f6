package org.pkt4j.testing;

/**
 * Double-precision scalar references of the forward kernels (the oracles of the finite-difference
 * checks): plain loops, the formulas of the fixtures README, no shortcuts shared with the float kernels.
 */
public final class DoubleRef {
    private DoubleRef() {
    }

    /** y[m, n] = x[m, k] · W[n, k]ᵀ. */
    public static double[] linear(double[] x, int m, int k, double[] w, int n) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += x[i * k + p] * w[j * k + p];
                }
                y[i * n + j] = s;
            }
        }
        return y;
    }

    /** x * 1/sqrt(mean(x²) + eps) * w over rows of width d. */
    public static double[] rmsNorm(double[] x, int n, int d, double[] w, double eps) {
        double[] y = new double[n * d];
        for (int t = 0; t < n; t++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += x[t * d + i] * x[t * d + i];
            }
            double r = 1 / Math.sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) {
                y[t * d + i] = x[t * d + i] * r * w[i];
            }
        }
        return y;
    }

    /** silu(g) * u. */
    public static double[] swiglu(double[] g, double[] u) {
        double[] c = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            c[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        return c;
    }

    /** y[t, i] + b[i]. */
    public static double[] addBias(double[] y, int n, double[] b) {
        double[] out = y.clone();
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < b.length; i++) {
                out[t * b.length + i] += b[i];
            }
        }
        return out;
    }

    /** Rows E[ids[t]] of E [V, d]. */
    public static double[] embedding(double[] e, int d, int[] ids) {
        double[] x = new double[ids.length * d];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(e, ids[t] * d, x, t * d, d);
        }
        return x;
    }

    /**
     * HF rotate_half RoPE at positions pos0 + t: {@code q' = q cos + rotate_half(q) sin} with
     * {@code inv_freq[i] = (float) 1/theta^(2i/hd)} (HF computes it in float32).
     */
    public static double[] rope(double[] x, int n, int heads, int hd, double theta, int pos0) {
        double[] y = new double[x.length];
        int half = hd / 2;
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                int b = (t * heads + h) * hd;
                for (int i = 0; i < half; i++) {
                    double inv = (float) (1.0 / Math.pow(theta, (double) (2 * i) / hd));
                    double a = (pos0 + t) * inv;
                    double x1 = x[b + i], x2 = x[b + half + i];
                    y[b + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    y[b + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
            }
        }
        return y;
    }

    /**
     * Causal GQA attention from position 0: q [T, H*hd], k and v [T, KV*hd]; sliding window of {@code window}
     * keys (0 = none); out [T, H*hd].
     */
    public static double[] attention(double[] q, double[] k, double[] v, int T, int H, int KV, int hd, int window) {
        double[] out = new double[T * H * hd];
        int group = H / KV, kvd = KV * hd;
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) {
                int g = h / group;
                int j0 = window > 0 ? Math.max(0, t - window + 1) : 0;
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = j0; j <= t; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[t * H * hd + h * hd + e] * k[j * kvd + g * hd + e];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = j0; j <= t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int j = j0; j <= t; j++) {
                    for (int e = 0; e < hd; e++) {
                        out[t * H * hd + h * hd + e] += s[j] / z * v[j * kvd + g * hd + e];
                    }
                }
            }
        }
        return out;
    }

    /** Mean cross-entropy of logits rows [R, V] against targets y[R]. */
    public static double crossEntropy(double[] logits, int rows, int vocab, int[] y) {
        double total = 0;
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[i * vocab + v]);
            }
            double z = 0;
            for (int v = 0; v < vocab; v++) {
                z += Math.exp(logits[i * vocab + v] - max);
            }
            total += max + Math.log(z) - logits[i * vocab + y[i]];
        }
        return total / rows;
    }
}
