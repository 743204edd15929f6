package org.pkt4j.attribution;

import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.Tensor;

/**
 * The attribution readout {@code R(v) = log_softmax(W_lm (g ⊙ v)·s)[y]} (PKT-SPEC §2): the final norm's
 * weight g and the LM head applied to a residual-stream vector v, with a scale s fixed per example from the
 * final layer output (see {@link ReadoutCompat}). Always a log-softmax (never log of a softmax, which
 * underflows on peaked models).
 */
public final class Readout {
    /** The reference's epsilons: inside the variance, and added to sigma before the square root. */
    private static final double VAR_EPS = 1e-5, SIGMA_EPS = 1e-6;

    private final Tensor lmHead;
    private final float[] g;
    private final double rmsNormEps;
    private final ReadoutCompat compat;

    public Readout(Llama model, ReadoutCompat compat) {
        this.lmHead = model.lmHead();
        this.g = model.norm().toFloatArray();
        this.rmsNormEps = model.config().rmsNormEps();
        this.compat = compat;
    }

    public ReadoutCompat compat() {
        return compat;
    }

    /** The final norm weight g [d] (a copy of a d-vector; the matrices stay mapped). */
    float[] normWeight() {
        return g;
    }

    Tensor lmHead() {
        return lmHead;
    }

    /** The per-example scale s from h_{L-1} at the last position. */
    public double scale(float[] finalHidden) {
        int d = finalHidden.length;
        return switch (compat) {
            case REFERENCE -> {
                // sigma = sqrt(var + 1e-5), biased variance with the mean subtracted; s = (sigma + 1e-6)^(-1/2):
                // the square root of a standard deviation, as the reference computes it
                double mean = 0;
                for (float v : finalHidden) {
                    mean += v;
                }
                mean /= d;
                double var = 0;
                for (float v : finalHidden) {
                    var += (v - mean) * (v - mean);
                }
                double sigma = Math.sqrt(var / d + VAR_EPS);
                yield 1 / Math.sqrt(sigma + SIGMA_EPS);
            }
            case EXACT_RMSNORM -> {
                double ss = 0;
                for (float v : finalHidden) {
                    ss += (double) v * v;
                }
                yield 1 / Math.sqrt(ss / d + rmsNormEps);
            }
        };
    }

    /** out[off + i] = g_i · v_i · s: the LM head's input for v. */
    void headInput(float[] v, float s, float[] out, int off) {
        for (int i = 0; i < g.length; i++) {
            out[off + i] = g[i] * v[i] * s;
        }
    }
}
