package org.pkt4j.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The index streams of CPython 3.11's {@code random}: every expected array below was printed by
 * {@code python3 -c "import random; random.seed(S); print(random.sample(range(N), K))"}.
 */
class PythonRandomTest {

    @Test
    void rawBitsMatchCPython() {
        // random.seed(5); [random.getrandbits(32) for _ in range(3)]
        PythonRandom r = new PythonRandom(5);
        assertArrayEquals(new long[] {2675342405L, 1097127993L, 3185950873L},
                new long[] {r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)});
    }

    @Test
    void latenAlignBatchesMatchCPython() {
        // train_LaTen.py: random.seed(step); random.sample(range(len(align)), 15) — the pool path (n <= 85)
        assertArrayEquals(new int[] {49, 53, 5, 33, 65, 62, 51, 38, 61, 45, 27, 64, 17, 36, 67}, new PythonRandom(0).sample(80, 15));
        assertArrayEquals(new int[] {17, 72, 8, 32, 15, 63, 57, 60, 48, 26, 12, 62, 3, 49, 55}, new PythonRandom(1).sample(80, 15));
        assertArrayEquals(new int[] {5, 66, 15, 65, 25, 50, 44, 67, 37, 18, 33, 13, 69, 52, 41}, new PythonRandom(19).sample(80, 15));
        assertArrayEquals(new int[] {10, 2, 6, 15, 0, 1, 8, 12, 5, 4, 11, 13, 9, 7, 14}, new PythonRandom(7).sample(16, 15));
        assertArrayEquals(new int[] {13, 6, 12, 14, 0, 4, 8, 7, 3, 2, 11, 5, 9, 10, 1}, new PythonRandom(0).sample(15, 15));
    }

    @Test
    void largePopulationsAndMultiWordSeedsMatchCPython() {
        // the set path (n > 85), and a seed wider than 32 bits (two key words)
        assertArrayEquals(new int[] {243, 606, 557, 133, 378, 937, 618, 485, 640, 594, 67, 620, 13, 930, 857},
                new PythonRandom(3).sample(1000, 15));
        assertArrayEquals(new int[] {152, 83, 98, 90, 137, 180, 29, 196, 42, 86, 95, 53, 170, 89, 69},
                new PythonRandom(12345678901L).sample(200, 15));
    }

    @Test
    void fuseExampleDrawMatchesCPython() {
        // inference_LaTen.py: set_seed(42); random.sample(range(len(data)), 1)
        assertArrayEquals(new int[] {654}, new PythonRandom(42).sample(1000, 1));
        assertArrayEquals(new int[] {57}, new PythonRandom(42).sample(300, 1));
    }

    @Test
    void sampleLargerThanThePopulationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PythonRandom(0).sample(10, 15));
    }
}
