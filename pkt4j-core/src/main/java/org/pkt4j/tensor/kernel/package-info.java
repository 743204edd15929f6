/**
 * Kernels: scalar references and their Vector API versions, checked against each other by the conformance
 * tests in this package.
 *
 * <p>Layouts (row-major throughout): activations {@code x[m, k]} fp32 {@code float[]} with an offset;
 * weights {@code W[n, k]} = {@code [out, in]} as a {@link org.pkt4j.tensor.Tensor} in their stored dtype
 * (F32, BF16, F16; memory-mapped, never copied whole to fp32); gradients {@code dW[n, k]} fp32.
 * {@link org.pkt4j.tensor.kernel.MatMul}: y = x·Wᵀ (M ≥ 8: packed GEMM; fewer rows: the row/decode kernel),
 * dx = dy·W, dW += dyᵀ·x; {@link org.pkt4j.tensor.kernel.MatMulScalar} is their reference.
 */
package org.pkt4j.tensor.kernel;
