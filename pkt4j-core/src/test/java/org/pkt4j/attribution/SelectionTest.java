package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Layer and neuron selection: the reference's ranking and tie rules. */
class SelectionTest {

    @Test
    void keptLayersAreTheTopNSortedAscending() {
        assertArrayEquals(new int[] {0, 2, 3}, Selection.keptLayers(new double[] {5, -1, 3, 4}, 3));
        assertArrayEquals(new int[] {3}, Selection.keptLayers(new double[] {5, -1, 3, 6}, 1));
    }

    @Test
    void exactLayerTiesRankTheHigherIndexFirst() {
        // sorted(range(4), key=score)[::-1] on [1, 2, 2, 0] gives [2, 1, 0, 3]: layer 2 before layer 1
        assertArrayEquals(new int[] {2}, Selection.keptLayers(new double[] {1, 2, 2, 0}, 1));
        assertArrayEquals(new int[] {1, 2}, Selection.keptLayers(new double[] {1, 2, 2, 0}, 2));
        assertArrayEquals(new int[] {2, 3}, Selection.keptLayers(new double[] {1, 1, 1, 1}, 2));
    }

    @Test
    void neuronsComeInDescendingScoreOrder() {
        float[] row = {0.1f, 0.5f, -2f, 0.5f, 0.3f};
        assertArrayEquals(new int[] {1, 3, 4}, Selection.topNeurons(row, 3));
        assertArrayEquals(new int[] {1, 3, 4, 0, 2}, Selection.topNeurons(row, 5));
    }

    @Test
    void countsRoundDownLikePythonInt() {
        assertEquals(32, Selection.count(128, 0.25));
        assertEquals(204, Selection.count(2048, 0.1));
        assertEquals(0, Selection.count(48, 0.01));
        assertEquals(2048, Selection.count(2048, 1.0));
    }

    @Test
    void overlapCountsCommonTopNeurons() {
        float[] a = {5, 4, 3, 2, 1}, b = {1, 4, 3, 5, 2};
        assertEquals(2 / 3.0, Selection.topKOverlap(a, b, 3), 1e-12);
        assertEquals(1.0, Selection.topKOverlap(a, a, 2));
    }

    @Test
    void impossibleSelectionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Selection.keptLayers(new double[] {1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> Selection.topNeurons(new float[] {1, 2}, 0));
    }
}
