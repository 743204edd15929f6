package org.pkt4j.attribution;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Scores accumulated over examples the way the reference does it (PKT-SPEC §2), with the unrounded
 * per-example scores kept beside them:
 * <ul>
 *   <li>layer scores: plain sums of the unrounded A_l and F_l;</li>
 *   <li>FFN neuron scores: each example's score rounded to 4 decimals (Python's {@code round}) and added
 *       into a float32 matrix;</li>
 *   <li>attention neuron scores: rounded and ASSIGNED, so the last example's values win (a reference quirk:
 *       the earlier examples do not count).</li>
 * </ul>
 * Selection reads the rounded matrices; the rounding is what makes ties possible.
 */
public final class AttributionScores {
    private final List<ExampleScores> examples;
    private final double[] attnLayer;
    private final double[] ffnLayer;
    private final float[][] ffnRounded;
    private final float[][] attnRounded;

    private AttributionScores(List<ExampleScores> examples, double[] attnLayer, double[] ffnLayer, float[][] ffnRounded,
                              float[][] attnRounded) {
        this.examples = examples;
        this.attnLayer = attnLayer;
        this.ffnLayer = ffnLayer;
        this.ffnRounded = ffnRounded;
        this.attnRounded = attnRounded;
    }

    /** Accumulates the examples in order. */
    public static AttributionScores of(List<ExampleScores> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to accumulate: locate needs at least one");
        }
        ExampleScores first = examples.getFirst();
        int L = first.layers();
        double[] attnLayer = new double[L], ffnLayer = new double[L];
        float[][] ffn = new float[L][first.ffn()[0].length];
        float[][] attn = new float[L][first.attn()[0].length];
        for (ExampleScores s : examples) {
            if (s.layers() != L || s.ffn()[0].length != ffn[0].length || s.attn()[0].length != attn[0].length) {
                throw new IllegalArgumentException("example " + s.exampleId() + " was scored on another model shape");
            }
            for (int l = 0; l < L; l++) {
                attnLayer[l] += s.attnLayer()[l];
                ffnLayer[l] += s.ffnLayer()[l];
                for (int k = 0; k < ffn[l].length; k++) {
                    ffn[l][k] += (float) round4(s.ffn()[l][k], s.exampleId());
                }
                for (int j = 0; j < attn[l].length; j++) {
                    attn[l][j] = (float) round4(s.attn()[l][j], s.exampleId());
                }
            }
        }
        return new AttributionScores(List.copyOf(examples), attnLayer, ffnLayer, ffn, attn);
    }

    /** Python's {@code round(v, 4)}: the exact decimal value of the double, rounded half to even. */
    public static double round4(double v) {
        return new BigDecimal(v).setScale(4, RoundingMode.HALF_EVEN).doubleValue();
    }

    private static double round4(double v, String example) {
        if (!Double.isFinite(v)) {
            throw new IllegalStateException("example " + example + ": a neuron score is " + v + " (the readout overflowed)");
        }
        return round4(v);
    }

    /** The per-example unrounded scores, in the order accumulated. */
    public List<ExampleScores> examples() {
        return examples;
    }

    /** Σ_examples A_l [L]. */
    public double[] attnLayerScores() {
        return attnLayer.clone();
    }

    /** Σ_examples F_l [L]. */
    public double[] ffnLayerScores() {
        return ffnLayer.clone();
    }

    /** The reference's FFN accumulator [L][f]: float32 sums of per-example 4-decimal roundings. */
    public float[][] ffnRounded() {
        return ffnRounded;
    }

    /** The reference's attention accumulator [L][H·hd]: the last example's 4-decimal roundings. */
    public float[][] attnRounded() {
        return attnRounded;
    }

    public int layers() {
        return attnLayer.length;
    }
}
