package org.pkt4j.train;

import java.util.Arrays;
import java.util.List;

/** Operations over a list of trainable parameters: clearing gradients, the global gradient norm, clipping. */
public final class Params {
    private Params() {
    }

    public static void zeroGrads(List<Param> params) {
        for (Param p : params) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    /** sqrt(Σ g²) over every parameter's gradient (double accumulation); NaN/inf when a gradient is. */
    public static double globalNorm(List<Param> params) {
        double s = 0;
        for (Param p : params) {
            for (float g : p.grad()) {
                s += (double) g * g;
            }
        }
        return Math.sqrt(s);
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_}: when the global norm exceeds {@code maxNorm}, scales every
     * gradient by {@code maxNorm / (norm + 1e-6)}.
     *
     * @return the norm before clipping
     */
    public static double clipGlobalNorm(List<Param> params, double maxNorm) {
        double norm = globalNorm(params);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (Param p : params) {
                float[] g = p.grad();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= c;
                }
            }
        }
        return norm;
    }

    /** Total number of trainable elements. */
    public static long count(List<Param> params) {
        long n = 0;
        for (Param p : params) {
            n += p.size();
        }
        return n;
    }
}
