package org.pkt4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pkt4j.tensor.ExecutionContext;

/**
 * SGD with momentum as {@code torch.optim.SGD} (dampening 0): {@code g ← g + wd·θ} (coupled L2), the
 * momentum buffer {@code b ← g} on its first step and {@code b ← μ b + g} after, {@code θ ← θ − lr·b}
 * (Nesterov: {@code θ ← θ − lr·(g + μ b)}).
 */
public final class Sgd implements Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private final Map<String, float[]> state = new LinkedHashMap<>();
    private long steps;

    public Sgd(double momentum, double weightDecay, boolean nesterov) {
        if (!(momentum >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("SGD needs momentum >= 0 and weight decay >= 0, got " + momentum + ", " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    public void step(ExecutionContext ctx, List<Param> params, double lr, OptionalDouble scheduled) {
        steps++;
        final float mu = (float) scheduled.orElse(momentum);
        final float lrF = (float) lr;
        for (Param p : params) {
            float[] x = p.value(), g = p.grad();
            final float wd = p.decay() ? (float) weightDecay : 0f;
            final boolean first = mu != 0f && !state.containsKey("momentum_buffer." + p.name());
            final float[] buf = mu == 0f ? null : state.computeIfAbsent("momentum_buffer." + p.name(), k -> new float[p.size()]);
            ctx.parallelFor(x.length, 1 << 14, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = g[i] + wd * x[i];
                    if (buf != null) {
                        buf[i] = first ? gi : mu * buf[i] + gi;
                        gi = nesterov ? gi + mu * buf[i] : buf[i];
                    }
                    x[i] -= lrF * gi;
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
        d.put("optimizer", "sgd");
        d.put("momentum", momentum);
        d.put("weight_decay", weightDecay);
        d.put("nesterov", nesterov);
        return d;
    }
}
