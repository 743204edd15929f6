/**
 * Post-Align PKT ("Seeking Neural Nuggets", PKT-SPEC §5).
 *
 * <p>Shapes: source S with d_s, f_s, L_s; target T with d_t, f_t, L_t ≤ L_s; shared vocabulary V. Weights
 * {@code [out, in]} row-major in their stored dtype; the embedding {@code [V, d]} is searched in its transposed
 * {@code [d, V]} view, lm_head {@code [V, d]} as is. LoRA factors: {@code B [out, r]} ({@code lora_B}),
 * {@code A [r, in]} ({@code lora_A}); for the embedding {@code lora_embedding_B [d_t, r]}, {@code lora_embedding_A [r, V]}.
 *
 * <p>Flow: {@link org.pkt4j.attribution.GradientSensitivity} on S → {@link org.pkt4j.postalign.PostAlignPlan}
 * (kept layers, {@link org.pkt4j.postalign.SensitivityWindow} per module, {@link org.pkt4j.postalign.TruncatedSvd}
 * of each slice) → {@link org.pkt4j.postalign.PostAlignLora} (LoRA = (B₀, A₀) beside a frozen −B₀A₀, trained by
 * {@link org.pkt4j.train.Trainer}, merged as W_t + B·A − B₀A₀). {@link org.pkt4j.postalign.PostPkt} runs it all
 * into a run directory.
 */
package org.pkt4j.postalign;
