package org.pkt4j.train;

import java.util.OptionalDouble;

/**
 * The learning rate (and optionally the momentum) of each optimizer step, step 0 first. Implementations
 * follow the PyTorch / Hugging Face definitions so that runs can be compared with the references.
 */
public interface LrSchedule {

    /** The learning rate of step {@code step} (0-based). */
    double lr(long step);

    /** The momentum (AdamW's beta1) of the step when the schedule cycles it; empty otherwise. */
    default OptionalDouble momentum(long step) {
        return OptionalDouble.empty();
    }

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        return step -> lr;
    }

    /**
     * Hugging Face {@code get_linear_schedule_with_warmup}: {@code lr·s/w} for s < w, then linear decay
     * to 0 at {@code total}.
     */
    static LrSchedule warmupLinear(double maxLr, long warmup, long total) {
        return step -> {
            if (step < warmup) {
                return maxLr * step / Math.max(1, warmup);
            }
            return maxLr * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
        };
    }

    /**
     * Hugging Face {@code get_cosine_schedule_with_warmup} (half a cosine): {@code lr·s/w} for s < w, then
     * {@code lr·½(1 + cos(π·p))} with {@code p = (s − w)/(total − w)}.
     */
    static LrSchedule warmupCosine(double maxLr, long warmup, long total) {
        return step -> {
            if (step < warmup) {
                return maxLr * step / Math.max(1, warmup);
            }
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            return maxLr * Math.max(0.0, 0.5 * (1 + Math.cos(Math.PI * progress)));
        };
    }

    /**
     * Linear warm-up then a cosine decay to a floor (the GPT-style pretraining schedule): {@code lr·s/w} for
     * s < w, then {@code lr·(f + (1 − f)·½(1 + cos(π·p)))} with {@code p = (s − w)/(total − w)}, reaching
     * {@code f·lr} at step {@code total}. With f = 0 this is {@link #warmupCosine(double, long, long)}.
     */
    static LrSchedule warmupCosine(double maxLr, long warmup, long total, double finalFraction) {
        if (!(finalFraction >= 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("final learning-rate fraction must lie in [0, 1], got " + finalFraction);
        }
        LrSchedule cosine = warmupCosine(maxLr, warmup, total);
        return step -> step < warmup ? cosine.lr(step) : maxLr * finalFraction + (1 - finalFraction) * cosine.lr(step);
    }
}
