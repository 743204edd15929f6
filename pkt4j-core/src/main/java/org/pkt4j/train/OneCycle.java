package org.pkt4j.train;

import java.util.OptionalDouble;

/**
 * PyTorch's {@code OneCycleLR} (two phases, {@code three_phase=False}): the rate rises from
 * {@code maxLr/divFactor} to {@code maxLr} over the first {@code pctStart·total − 1} steps, then anneals to
 * {@code maxLr/(divFactor·finalDivFactor)} at step {@code total − 1}; with {@code cycleMomentum} the momentum
 * runs the other way, {@code maxMomentum → baseMomentum → maxMomentum}. Annealing is cosine
 * ({@code end + (start − end)/2 · (1 + cos(π·pct))}) or linear.
 *
 * <p>LaTen (PKT-SPEC §4) uses {@link #laten}: warm-up 10%, div 25, final div 1 (the final rate equals the
 * initial one), cosine, momentum 0.95 → 0.85 → 0.95 driving AdamW's beta1.
 */
public record OneCycle(double maxLr, long totalSteps, double pctStart, double divFactor, double finalDivFactor,
                       boolean cosine, boolean cycleMomentum, double baseMomentum, double maxMomentum) implements LrSchedule {

    public OneCycle {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("one-cycle schedule needs at least 1 step, got " + totalSteps);
        }
        if (!(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("pct_start must lie in [0, 1], got " + pctStart);
        }
    }

    /** torch's defaults: pct_start 0.3, div 25, final div 1e4, cosine, momentum 0.85 ↔ 0.95. */
    public static OneCycle torchDefaults(double maxLr, long totalSteps) {
        return new OneCycle(maxLr, totalSteps, 0.3, 25, 1e4, true, true, 0.85, 0.95);
    }

    /** PKT-SPEC §4: pct_start 0.1, div 25, final div 1, cosine, momentum 0.85 ↔ 0.95. */
    public static OneCycle laten(double maxLr, long totalSteps) {
        return new OneCycle(maxLr, totalSteps, 0.1, 25, 1, true, true, 0.85, 0.95);
    }

    public double initialLr() {
        return maxLr / divFactor;
    }

    public double minLr() {
        return initialLr() / finalDivFactor;
    }

    @Override
    public double lr(long step) {
        return phase(step, initialLr(), maxLr, minLr());
    }

    @Override
    public OptionalDouble momentum(long step) {
        return cycleMomentum ? OptionalDouble.of(phase(step, maxMomentum, baseMomentum, maxMomentum)) : OptionalDouble.empty();
    }

    /** torch's get_lr: phase 1 ends at pct·total − 1, phase 2 at total − 1; pct within the phase. */
    private double phase(long step, double start, double peak, double end) {
        if (step > totalSteps) {
            throw new IllegalArgumentException("step " + step + " is past the schedule's " + totalSteps + " steps");
        }
        double end1 = pctStart * totalSteps - 1;
        double end2 = totalSteps - 1;
        if (step <= end1) {
            return anneal(start, peak, fraction(step, end1));
        }
        return anneal(peak, end, fraction(step - end1, end2 - end1));
    }

    /** a / b, where torch would divide 0 by 0 (a phase of length 0, e.g. pct·total = 1) taken as the phase's end. */
    private static double fraction(double a, double b) {
        return b == 0 ? 1 : a / b;
    }

    private double anneal(double from, double to, double pct) {
        return cosine ? to + (from - to) / 2.0 * (Math.cos(Math.PI * pct) + 1) : (to - from) * pct + from;
    }
}
