package org.pkt4j.transfer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pkt4j.llama.Module;
import org.pkt4j.train.AdamW;
import org.pkt4j.train.OneCycle;
import org.pkt4j.train.Param;

/**
 * LaTen's optimizer and schedule (PKT-SPEC §4, training 3.), as {@code train_LaTen.py} configures them:
 * {@code AdamW(lr, betas (0.9, 0.95), eps 1e-8, weight_decay 0.05)} over every hypernetwork weight, and
 * {@code OneCycleLR(max_lr = lr, total_steps = extract examples, pct_start 0.1, cos, div 25, final_div 1)}.
 * OneCycleLR's default momentum cycling overrides AdamW's beta1 (0.95 at step 0, 0.85 at the peak, back to
 * 0.95); the 0.9 passed to AdamW is never used. beta2 stays 0.95.
 */
public final class LatenOptimization {
    private LatenOptimization() {
    }

    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.95;
    public static final double EPS = 1e-8;
    public static final double WEIGHT_DECAY = 0.05;

    public static AdamW optimizer() {
        return new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY);
    }

    public static OneCycle schedule(double maxLr, int totalSteps) {
        return OneCycle.laten(maxLr, totalSteps);
    }

    /** H's weights as optimizer parameters (W1 then W2 per module, the reference's order); all decay, as in torch. */
    public static List<Param> params(Hypernetwork h) {
        List<Param> out = new ArrayList<>();
        int ds = h.sourceDim(), dt = h.targetDim();
        for (Module m : h.modules()) {
            Hypernetwork.Mlp n = h.net(m);
            out.add(new Param(Hypernetwork.paramName(m, 1), n.w1(), n.grad1(), new long[] {ds, ds}, true));
            out.add(new Param(Hypernetwork.paramName(m, 2), n.w2(), n.grad2(), new long[] {dt, ds}, true));
        }
        return out;
    }

    /** The schedule's values at a step, for logs and manifests: lr, beta1, beta2. */
    public static Map<String, Object> at(OneCycle s, long step) {
        return Map.of("lr", s.lr(step), "beta1", s.momentum(step).orElse(BETA1), "beta2", BETA2);
    }
}
