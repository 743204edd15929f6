package org.pkt4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.testing.Fixtures;

/** Learning-rate and momentum sequences against the PyTorch / Hugging Face definitions and the pkt_pair step. */
class ScheduleTest {

    /**
     * torch.optim.lr_scheduler.OneCycleLR.get_lr, transcribed literally (phase table, start_step carried
     * over): the independent reference for {@link OneCycle}.
     */
    static double[] torchOneCycle(double maxLr, int total, double pct, double div, double finalDiv, double baseM,
                                  double maxM, int step) {
        double initial = maxLr / div, min = initial / finalDiv;
        double[][] phases = {
            {pct * total - 1, initial, maxLr, maxM, baseM},
            {total - 1, maxLr, min, baseM, maxM},
        };
        double start = 0;
        for (int i = 0; i < phases.length; i++) {
            double end = phases[i][0];
            if (step <= end || i == phases.length - 1) {
                double p = (step - start) / (end - start);
                return new double[] {cos(phases[i][1], phases[i][2], p), cos(phases[i][3], phases[i][4], p)};
            }
            start = end;
        }
        throw new AssertionError();
    }

    static double cos(double start, double end, double pct) {
        return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    }

    @Test
    void latenScheduleMatchesTheFixtureAndTheReadme() {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        OneCycle s = OneCycle.laten(3e-4, 20);
        assertEquals(1.2e-5, s.lr(0), 1e-18);
        assertEquals(3e-4, s.lr(1), 1e-18);
        assertEquals(0.95, s.momentum(0).orElseThrow(), 1e-15);
        assertEquals(0.85, s.momentum(1).orElseThrow(), 1e-15);
        assertEquals(Fixtures.tensor(exp, "laten.lr").getFloat(0), (float) s.lr(0));
        assertEquals(Fixtures.tensor(exp, "laten.next_lr").getFloat(0), (float) s.lr(1));
        assertEquals(Fixtures.tensor(exp, "laten.betas").getFloat(0), (float) s.momentum(0).orElseThrow());
        assertEquals(Fixtures.tensor(exp, "laten.next_betas").getFloat(0), (float) s.momentum(1).orElseThrow());
        // final_div_factor 1: the last step returns to the initial rate and momentum
        assertEquals(1.2e-5, s.lr(19), 1e-17);
        assertEquals(0.95, s.momentum(19).orElseThrow(), 1e-15);
        for (int step = 0; step <= 20; step++) {
            double[] ref = torchOneCycle(3e-4, 20, 0.1, 25, 1, 0.85, 0.95, step);
            assertEquals(ref[0], s.lr(step), 1e-18, "lr at step " + step);
            assertEquals(ref[1], s.momentum(step).orElseThrow(), 1e-15, "momentum at step " + step);
        }
    }

    @Test
    void torchDefaultsMatchTheDefinition() {
        OneCycle s = OneCycle.torchDefaults(0.1, 100);
        // by hand: initial 0.1/25 = 0.004, final 0.004/1e4 = 4e-7; phase 1 ends at 0.3·100 − 1 = 29
        assertEquals(0.004, s.lr(0), 1e-15);
        assertEquals(0.1, s.lr(29), 1e-12);
        assertEquals(4e-7, s.lr(99), 1e-15);
        // the middle of phase 2 (pct 0.5, step 64): the mean of max and final
        assertEquals((0.1 + 4e-7) / 2, s.lr(64), 1e-12);
        assertEquals(0.9, s.momentum(64).orElseThrow(), 1e-12);
        for (int step = 0; step <= 100; step++) {
            double[] ref = torchOneCycle(0.1, 100, 0.3, 25, 1e4, 0.85, 0.95, step);
            assertEquals(ref[0], s.lr(step), 1e-15, "lr at step " + step);
            assertEquals(ref[1], s.momentum(step).orElseThrow(), 1e-15);
            if (step > 0 && step <= 29) {
                assertTrue(s.lr(step) > s.lr(step - 1));
            }
            if (step > 29 && step < 100) {
                assertTrue(s.lr(step) < s.lr(step - 1));
            }
        }
    }

    @Test
    void warmupSchedulesFollowHuggingFace() {
        LrSchedule cos = LrSchedule.warmupCosine(1.0, 10, 110);
        assertEquals(0.0, cos.lr(0));
        assertEquals(0.5, cos.lr(5), 1e-15);
        assertEquals(1.0, cos.lr(10), 1e-15);
        assertEquals(0.5, cos.lr(60), 1e-15);
        assertEquals(0.0, cos.lr(110), 1e-15);
        LrSchedule lin = LrSchedule.warmupLinear(2.0, 10, 110);
        assertEquals(1.0, lin.lr(5), 1e-15);
        assertEquals(1.0, lin.lr(60), 1e-15);
        assertEquals(2.0, LrSchedule.constant(2.0).lr(1234));
        assertTrue(lin.momentum(3).isEmpty());
    }

    @Test
    void cosineWithAFloorDecaysToItsFraction() {
        LrSchedule s = LrSchedule.warmupCosine(2.0, 10, 110, 0.1);
        LrSchedule plain = LrSchedule.warmupCosine(2.0, 10, 110);
        assertEquals(plain.lr(5), s.lr(5), 1e-15);
        assertEquals(2.0, s.lr(10), 1e-15);
        assertEquals(0.2 + 0.9 * 1.0, s.lr(60), 1e-15);
        assertEquals(0.2, s.lr(110), 1e-15);
        for (int step = 11; step <= 110; step++) {
            assertTrue(s.lr(step) < s.lr(step - 1) && s.lr(step) >= 0.2 - 1e-15);
        }
        assertEquals(plain.lr(77), LrSchedule.warmupCosine(2.0, 10, 110, 0).lr(77), 1e-15);
    }
}
