package org.pkt4j.postalign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SensitivityWindowTest {

    /** The summed-area table agrees with brute force over every corner, first corner on ties. */
    @ParameterizedTest
    @CsvSource({"9,11,3,4,1", "5,5,5,5,2", "7,13,1,13,3", "16,8,4,1,4", "6,6,2,2,5"})
    void matchesBruteForce(int rows, int cols, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = new float[rows * cols];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) Math.abs(rng.nextDouble());
        }
        SensitivityWindow got = SensitivityWindow.find(s, rows, cols, h, w);
        double best = Double.NEGATIVE_INFINITY;
        int bi = -1, bj = -1;
        for (int i = 0; i + h <= rows; i++) {
            for (int j = 0; j + w <= cols; j++) {
                double sum = 0;
                for (int r = i; r < i + h; r++) {
                    for (int c = j; c < j + w; c++) {
                        sum += s[r * cols + c];
                    }
                }
                if (sum > best + 1e-12) {
                    best = sum;
                    bi = i;
                    bj = j;
                }
            }
        }
        assertThat(got.row()).isEqualTo(bi);
        assertThat(got.col()).isEqualTo(bj);
        assertThat(got.sum()).isCloseTo(best, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void tiesKeepTheFirstCorner() {
        float[] s = new float[4 * 4];
        java.util.Arrays.fill(s, 1f);
        SensitivityWindow w = SensitivityWindow.find(s, 4, 4, 2, 2);
        assertThat(w.row()).isZero();
        assertThat(w.col()).isZero();
    }

    @Test
    void refusesAWindowThatDoesNotFit() {
        assertThatThrownBy(() -> SensitivityWindow.find(new float[6], 2, 3, 3, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
    }
}
