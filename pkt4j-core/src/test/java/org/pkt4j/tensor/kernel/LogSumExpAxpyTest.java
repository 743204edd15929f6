package org.pkt4j.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vector shifted log-sum-exp against its scalar double reference, on odd lengths and offsets. */
class LogSumExpAxpyTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 15, 16, 17, 97, 1023, 1024, 1025, 4099, 32000})
    void matchesTheScalarReference(int n) {
        SplittableRandom rng = new SplittableRandom(n * 31L + 7);
        int bo = rng.nextInt(5), yo = rng.nextInt(5);
        float[] b = new float[bo + n], y = new float[yo + n];
        for (int i = 0; i < n; i++) {
            b[bo + i] = (float) (-12 + 10 * rng.nextDouble());
            y[yo + i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (float alpha : new float[] {0f, 0.37f, -3.5f, 60f}) {
            double want = LogSumExpAxpyScalar.logSumExp(b, bo, alpha, y, yo, n);
            double got = LogSumExpAxpy.logSumExp(b, bo, alpha, y, yo, n);
            assertEquals(want, got, 2e-6 * Math.max(1, Math.abs(want)), "n " + n + " alpha " + alpha);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 33})
    void largeLogitsDoNotOverflow(int n) {
        float[] b = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            b[i] = 500f + i;
            y[i] = 1f;
        }
        double want = LogSumExpAxpyScalar.logSumExp(b, 0, 100f, y, 0, n);
        assertEquals(want, LogSumExpAxpy.logSumExp(b, 0, 100f, y, 0, n), 1e-4);
        assertEquals(600 + n - 1 + Math.log(1 / (1 - Math.exp(-1)) - Math.exp(-n) / (1 - Math.exp(-1))), want, 1e-9);
    }
}
