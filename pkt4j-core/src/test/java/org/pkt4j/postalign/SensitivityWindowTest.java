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

    /** The transposed search equals {@code find} on an explicit transpose, for full-width (embedding) and other windows. */
    @ParameterizedTest
    @CsvSource({"13,5,2,13,1", "13,5,5,13,2", "9,7,3,4,3", "6,6,6,6,4", "20,3,1,20,5"})
    void transposedSearchMatchesAnExplicitTranspose(int rows, int cols, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = new float[rows * cols];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) rng.nextDouble();
        }
        float[] t = new float[s.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = s[i * cols + j];
            }
        }
        SensitivityWindow want = SensitivityWindow.find(t, cols, rows, h, w);
        SensitivityWindow got = SensitivityWindow.findInTranspose(s, rows, cols, h, w);
        assertThat(got.row()).isEqualTo(want.row());
        assertThat(got.col()).isEqualTo(want.col());
        assertThat(got.sum()).isCloseTo(want.sum(), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void transposedTiesKeepTheFirstCorner() {
        float[] s = new float[5 * 4];
        java.util.Arrays.fill(s, 1f);
        SensitivityWindow w = SensitivityWindow.findInTranspose(s, 5, 4, 2, 5);
        assertThat(w.row()).isZero();
        assertThat(w.col()).isZero();
        assertThat(w.sum()).isEqualTo(10.0);
        assertThatThrownBy(() -> SensitivityWindow.findInTranspose(s, 5, 4, 5, 5)).hasMessageContaining("(transposed)");
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
