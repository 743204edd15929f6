/**
 * Kernels: scalar references and their Vector API versions, checked against each other by the conformance
 * tests in this package.
 *
 * <p>Layouts (row-major throughout): activations {@code x[m, k]} fp32 {@code float[]} with an offset;
 * weights {@code W[n, k]} = {@code [out, in]} as a {@link org.pkt4j.tensor.Tensor} in their stored dtype
 * (F32, BF16, F16; memory-mapped, never copied whole to fp32); gradients {@code dW[n, k]} fp32.
 * {@link org.pkt4j.tensor.kernel.MatMul}: y = x·Wᵀ (M ≥ 8: packed GEMM; fewer rows: the row/decode kernel),
 * dx = dy·W, dW += dyᵀ·x; {@link org.pkt4j.tensor.kernel.MatMulScalar} is their reference.
 * {@link org.pkt4j.tensor.kernel.Attention}: causal GQA attention forward and backward, block products on the
 * GEMM micro-kernel from 8 rows on; {@link org.pkt4j.tensor.kernel.AttentionScalar} is its reference.
 * {@link org.pkt4j.tensor.kernel.Ops}: RMSNorm, SwiGLU, softmax, cross-entropy and element-wise pairs;
 * {@link org.pkt4j.tensor.kernel.OpsScalar} the references. {@link org.pkt4j.tensor.kernel.VectorMath}: the
 * vector exp they share (within 1.5e-7 of {@link java.lang.Math#exp}), {@link org.pkt4j.tensor.kernel.VectorMathScalar}
 * its bit-exact scalar twin.
 */
package org.pkt4j.tensor.kernel;
