package org.pkt4j.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;

/** The direct-injection maps: truncation copies, the random projection is orthonormal and seeded. */
class DirectMapTest {
    private static final ExecutionContext CTX = ExecutionContext.singleThreaded();

    @Test
    void truncationKeepsTheFirstCoordinatesOrPadsWithZeros() {
        float[] u = random(3 * 7, 1);
        float[] down = DirectMap.truncate(7, 4).map(CTX, Module.UP, u, 3);
        float[] up = DirectMap.truncate(7, 9).map(CTX, Module.O, u, 3);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(u[i * 7 + j], down[i * 4 + j]);
            }
            for (int j = 0; j < 9; j++) {
                assertEquals(j < 7 ? u[i * 7 + j] : 0f, up[i * 9 + j]);
            }
        }
    }

    @Test
    void randomProjectionHasOrthonormalRowsOrColumns() {
        for (int[] dims : new int[][] {{13, 5}, {5, 13}, {8, 8}}) {
            int ds = dims[0], dt = dims[1];
            float[] p = DirectMap.random(ds, dt, 3).projection();
            boolean rows = dt <= ds;
            int n = rows ? dt : ds;
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    double dot = 0;
                    for (int k = 0; k < (rows ? ds : dt); k++) {
                        dot += rows ? (double) p[a * ds + k] * p[b * ds + k] : (double) p[k * ds + a] * p[k * ds + b];
                    }
                    assertEquals(a == b ? 1 : 0, dot, 1e-6, "Gram matrix [" + a + "][" + b + "] of " + ds + " -> " + dt);
                }
            }
        }
        assertArrayEquals(DirectMap.random(13, 5, 3).projection(), DirectMap.random(13, 5, 3).projection());
        assertThat(DirectMap.random(13, 5, 4).projection()).isNotEqualTo(DirectMap.random(13, 5, 3).projection());
    }

    @Test
    void randomMapIsTheProjection() {
        DirectMap m = DirectMap.random(6, 4, 9);
        float[] p = m.projection(), u = random(2 * 6, 2), y = m.map(CTX, Module.DOWN, u, 2);
        for (int i = 0; i < 2; i++) {
            for (int r = 0; r < 4; r++) {
                double s = 0;
                for (int k = 0; k < 6; k++) {
                    s += (double) p[r * 6 + k] * u[i * 6 + k];
                }
                assertEquals(s, y[i * 4 + r], 1e-6);
            }
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
