/**
 * Knowledge transfer between a source and a target model: {@link org.pkt4j.transfer.TransferPlan} (layer and
 * neuron pairs from two {@link org.pkt4j.attribution.Located} selections, plus the extracted source knowledge,
 * PKT-SPEC §3) and {@link org.pkt4j.transfer.KnowledgeExtraction}. Alignment (hypernetwork, direct and
 * Procrustes maps), injection and fusion build on the plan.
 *
 * <p>Knowledge layouts (F32, stacked over the n kept layers, neurons in score order): up {@code [n, n_ffn, d_s]}
 * (rows of W_up), down {@code [n, d_s, n_ffn]} (columns of W_down), v {@code [n, n_attn, d_s]} (rows of W_v),
 * o {@code [n, d_s, n_attn]} (columns of W_o).
 */
package org.pkt4j.transfer;
