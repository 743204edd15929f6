/**
 * Knowledge transfer between a source and a target model: {@link org.pkt4j.transfer.TransferPlan} (layer and
 * neuron pairs from two {@link org.pkt4j.attribution.Located} selections, plus the extracted source knowledge,
 * PKT-SPEC §3) and {@link org.pkt4j.transfer.KnowledgeExtraction}.
 *
 * <p>LaTen (PKT-SPEC §4): {@link org.pkt4j.transfer.LatenTraining} / {@link org.pkt4j.transfer.LatenTrainer} train
 * the {@link org.pkt4j.transfer.Hypernetwork} one step per extract example ({@link org.pkt4j.transfer.StepLocator}
 * for the per-step selections, {@link org.pkt4j.transfer.LatenStep} for the summed micro-batch gradient,
 * {@link org.pkt4j.transfer.LatenOptimization} for AdamW and the one-cycle schedule) into a run directory
 * ({@link org.pkt4j.transfer.LatenRun}, {@link org.pkt4j.transfer.LatenCheckpoint}); {@link org.pkt4j.transfer.LatenFuse}
 * maps located knowledge with a {@link org.pkt4j.transfer.KnowledgeMap} and fuses it into the target
 * ({@link org.pkt4j.transfer.Injection}, {@link org.pkt4j.transfer.NeuronDelta}, {@link org.pkt4j.transfer.Fusion});
 * {@link org.pkt4j.transfer.DirectInjection} is the no-alignment baseline with a {@link org.pkt4j.transfer.DirectMap}.
 * {@link org.pkt4j.transfer.PythonRandom} reproduces the reference's {@code random} draws.
 *
 * <p>Knowledge layouts (F32, stacked over the n kept layers, neurons in score order): up {@code [n, n_ffn, d_s]}
 * (rows of W_up), down {@code [n, d_s, n_ffn]} (columns of W_down), v {@code [n, n_attn, d_s]} (rows of W_v),
 * o {@code [n, d_s, n_attn]} (columns of W_o). Maps and injection see one vector per row instead:
 * {@code [n·count, d]}, layer-major.
 */
package org.pkt4j.transfer;
