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
 */
package org.pkt4j.attribution;
