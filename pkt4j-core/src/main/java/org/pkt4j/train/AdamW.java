package org.pkt4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pkt4j.tensor.ExecutionContext;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path): decoupled weight decay
 * {@code θ ← θ(1 − lr·wd)}, then {@code m ← β1 m + (1 − β1) g}, {@code v ← β2 v + (1 − β2) g²},
 * {@code θ ← θ − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)}. The bias corrections use the β1 of the
 * current step, as torch does when a scheduler cycles it (OneCycleLR's momentum drives β1).
 */
public final class AdamW implements Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, float[]> state = new LinkedHashMap<>();
    private long steps;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW needs eps > 0 and weight decay >= 0, got " + eps + " and " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static AdamW torchDefaults() {
        return new AdamW(0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    public void step(ExecutionContext ctx, List<Param> params, double lr, OptionalDouble momentum) {
        steps++;
        double b1 = momentum.orElse(beta1);
        final float oneMinusB1 = (float) (1 - b1), b2 = (float) beta2, oneMinusB2 = (float) (1 - beta2);
        final float stepSize = (float) (lr / (1 - Math.pow(b1, steps)));
        final float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, steps));
        final float epsF = (float) eps;
        for (Param p : params) {
            float[] m = state.computeIfAbsent("exp_avg." + p.name(), k -> new float[p.size()]);
            float[] v = state.computeIfAbsent("exp_avg_sq." + p.name(), k -> new float[p.size()]);
            float[] x = p.value(), g = p.grad();
            final float decay = p.decay() ? (float) (1 - lr * weightDecay) : 1f;
            ctx.parallelFor(x.length, 1 << 14, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = g[i];
                    x[i] *= decay;
                    m[i] += (gi - m[i]) * oneMinusB1;
                    v[i] = v[i] * b2 + oneMinusB2 * gi * gi;
                    float denom = (float) Math.sqrt(v[i]) / bc2Sqrt + epsF;
                    x[i] -= stepSize * (m[i] / denom);
                }
            });
        }
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public Map<String, float[]> state() {
        return state;
    }

    @Override
    public void restore(long steps, Map<String, float[]> saved) {
        this.steps = steps;
        state.clear();
        saved.forEach((k, v) -> state.put(k, v.clone()));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("optimizer", "adamw");
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        return d;
    }
}
