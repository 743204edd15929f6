package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The reference's accumulation: Python rounding, float32 FFN sums, attention assigned (last example wins). */
class AttributionScoresTest {

    @Test
    void roundIsPythonsRound() {
        // values checked with CPython 3: round(x, 4)
        assertEquals(0.0001, AttributionScores.round4(0.00005));   // the double lies just above the half
        assertEquals(0.0001, AttributionScores.round4(0.00015));   // ... and this one just below
        assertEquals(0.0312, AttributionScores.round4(0.03125));   // an exact tie: to even
        assertEquals(0.0938, AttributionScores.round4(0.09375));
        assertEquals(-0.1562, AttributionScores.round4(-0.15625));
        assertEquals(1.0001, AttributionScores.round4(1.00005));
    }

    @Test
    void ffnSumsRoundedTermsAndAttentionKeepsTheLastExample() {
        ExampleScores a = scores("a", new float[] {0.00004f, 0.12344f}, new float[] {1.23456f, 2f}, 1.5, -0.25);
        ExampleScores b = scores("b", new float[] {0.00004f, 0.12344f}, new float[] {-0.5f, 0.00006f}, 0.5, 0.25);
        AttributionScores s = AttributionScores.of(List.of(a, b));
        // each 0.00004 rounds to 0 before the sum (the sum of unrounded would round to 0.0001)
        assertArrayEquals(new float[] {0f, 0.2468f}, s.ffnRounded()[0], 1e-7f);
        assertArrayEquals(new float[] {-0.5f, 0.0001f}, s.attnRounded()[0], 1e-7f);
        assertArrayEquals(new double[] {2.0}, s.attnLayerScores());
        assertArrayEquals(new double[] {0.0}, s.ffnLayerScores());
        assertEquals(List.of(a, b), s.examples());
    }

    private static ExampleScores scores(String id, float[] ffn, float[] attn, double attnLayer, double ffnLayer) {
        return new ExampleScores(id, new double[] {attnLayer}, new double[] {ffnLayer}, new float[][] {ffn}, new float[][] {attn});
    }
}
