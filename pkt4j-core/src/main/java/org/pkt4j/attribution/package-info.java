/**
 * Static neuron attribution (LaTen's locate, PKT-SPEC §2) and layer/neuron selection.
 *
 * <p>Shapes, per model: L layers, d hidden, f FFN width, H·hd attention neurons (the columns of
 * {@code W_o [d, H·hd]}; neuron index h·hd + e), V vocabulary. Weights are read in their stored dtype,
 * {@code [out, in]} row-major: {@code W_down [d, f]}, {@code W_lm [V, d]}.
 *
 * <p>Flow: {@link org.pkt4j.attribution.LocateExample} (ids) → {@link org.pkt4j.attribution.NeuronAttribution}
 * (one forward pass per example, then per layer the readout of x_l, r_l, h_l and every neuron's score:
 * {@link org.pkt4j.attribution.ExampleScores}) → {@link org.pkt4j.attribution.AttributionScores} (the
 * reference's accumulation: rounded FFN sums, last-example attention) → {@link org.pkt4j.attribution.Selection}
 * → {@link org.pkt4j.attribution.Located} (located.json + located.safetensors).
 * {@link org.pkt4j.attribution.Locator} does it in one call.
 *
 * <p>Gradient sensitivity (Post-Align PKT's locate, PKT-SPEC §5 steps 1–2):
 * {@link org.pkt4j.attribution.SensitivityExample} (the reference's seed template: BOS, answer + EOS) →
 * {@link org.pkt4j.attribution.GradientSensitivity} (one backward per example, |θ ⊙ ∂L/∂θ| folded per module) →
 * {@link org.pkt4j.attribution.Sensitivity} (elementwise maps, per-tensor totals, the layer ranking).
 */
package org.pkt4j.attribution;
