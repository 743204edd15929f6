package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * y = x·Wᵀ for fewer than {@link MatMul#GEMM_MIN_ROWS} rows of x — decode is one row. The product is bound
 * by reading W from memory, so the kernel reads each W element once: four W rows per step share each load
 * of x, BF16 rows are widened in registers by a shift (half the bytes of F32 for the same arithmetic), and
 * the rows are split across threads. With several x rows the four W rows are widened once into a small
 * buffer that stays in L1 while every x row is dotted with them.
 */
final class MatVec {
    private MatVec() {
    }

    /** W rows per step. */
    static final int RB = 4;
    private static final int L = MatMul.L;

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ, row by row of W. */
    static void linear(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                       boolean accumulate) {
        int n = w.rows();
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        long rowBytes = (long) k * dt.bytes();
        // at least ~64 KiB of W per chunk: enough to hide a worker's wake-up, small enough to balance two threads
        int grain = (int) Math.max(RB, Math.min(n, (65536 / Math.max(1, rowBytes) + RB - 1) / RB * RB));
        ctx.parallelFor(n, grain, (j0, j1) -> {
            float[] wb = m > 1 ? new float[RB * k] : null;
            float[] s = new float[RB];
            int j = j0;
            for (; j + RB <= j1; j += RB) {
                if (m == 1) {
                    long at = j * rowBytes;
                    switch (dt) {
                        case F32 -> dot4F32(x, xOff, seg, at, rowBytes, k, s);
                        case BF16 -> dot4Bf16(x, xOff, seg, at, rowBytes, k, s);
                        default -> dot4F16(x, xOff, seg, at, rowBytes, k, s);
                    }
                    store(s, RB, y, yOff + j, accumulate);
                } else {
                    for (int r = 0; r < RB; r++) {
                        MatMul.loadRow(seg, dt, (long) (j + r) * k, k, wb, r * k);
                    }
                    for (int i = 0; i < m; i++) {
                        dot4Array(x, xOff + i * k, wb, k, s);
                        store(s, RB, y, yOff + i * n + j, accumulate);
                    }
                }
            }
            for (; j < j1; j++) {
                if (wb == null) {
                    wb = new float[RB * k];
                }
                MatMul.loadRow(seg, dt, (long) j * k, k, wb, 0);
                for (int i = 0; i < m; i++) {
                    int o = yOff + i * n + j;
                    float v = MatMul.dotArray(x, xOff + i * k, wb, 0, k);
                    y[o] = accumulate ? y[o] + v : v;
                }
            }
        });
    }

    private static void store(float[] s, int count, float[] y, int o, boolean accumulate) {
        for (int r = 0; r < count; r++) {
            y[o + r] = accumulate ? y[o + r] + s[r] : s[r];
        }
    }

    /** s[r] = W row (at + r·rowBytes) · x for four fp32 rows. */
    static void dot4F32(float[] x, int xo, MemorySegment seg, long at, long rowBytes, int k, float[] s) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = at, r1 = at + rowBytes, r2 = at + 2 * rowBytes, r3 = at + 3 * rowBytes;
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector xv = FloatVector.fromArray(MatMul.F, x, xo + p);
            long b = 4L * p;
            a0 = FloatVector.fromMemorySegment(MatMul.F, seg, r0 + b, ByteOrder.LITTLE_ENDIAN).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(MatMul.F, seg, r1 + b, ByteOrder.LITTLE_ENDIAN).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(MatMul.F, seg, r2 + b, ByteOrder.LITTLE_ENDIAN).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(MatMul.F, seg, r3 + b, ByteOrder.LITTLE_ENDIAN).fma(xv, a3);
        }
        s[0] = a0.reduceLanes(VectorOperators.ADD);
        s[1] = a1.reduceLanes(VectorOperators.ADD);
        s[2] = a2.reduceLanes(VectorOperators.ADD);
        s[3] = a3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            for (int r = 0; r < RB; r++) {
                s[r] += xv * seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at + r * rowBytes + 4L * p);
            }
        }
    }

    /** {@link #dot4F32} for bfloat16 rows, widened by a shift in registers. */
    static void dot4Bf16(float[] x, int xo, MemorySegment seg, long at, long rowBytes, int k, float[] s) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = at, r1 = at + rowBytes, r2 = at + 2 * rowBytes, r3 = at + 3 * rowBytes;
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector xv = FloatVector.fromArray(MatMul.F, x, xo + p);
            long b = 2L * p;
            a0 = MatMul.bf16Vector(seg, r0 + b).fma(xv, a0);
            a1 = MatMul.bf16Vector(seg, r1 + b).fma(xv, a1);
            a2 = MatMul.bf16Vector(seg, r2 + b).fma(xv, a2);
            a3 = MatMul.bf16Vector(seg, r3 + b).fma(xv, a3);
        }
        s[0] = a0.reduceLanes(VectorOperators.ADD);
        s[1] = a1.reduceLanes(VectorOperators.ADD);
        s[2] = a2.reduceLanes(VectorOperators.ADD);
        s[3] = a3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            for (int r = 0; r < RB; r++) {
                s[r] += xv * DType.bf16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + r * rowBytes + 2L * p));
            }
        }
    }

    /** {@link #dot4F32} for IEEE half rows. */
    static void dot4F16(float[] x, int xo, MemorySegment seg, long at, long rowBytes, int k, float[] s) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = at, r1 = at + rowBytes, r2 = at + 2 * rowBytes, r3 = at + 3 * rowBytes;
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector xv = FloatVector.fromArray(MatMul.F, x, xo + p);
            long b = 2L * p;
            a0 = MatMul.f16Vector(seg, r0 + b).fma(xv, a0);
            a1 = MatMul.f16Vector(seg, r1 + b).fma(xv, a1);
            a2 = MatMul.f16Vector(seg, r2 + b).fma(xv, a2);
            a3 = MatMul.f16Vector(seg, r3 + b).fma(xv, a3);
        }
        s[0] = a0.reduceLanes(VectorOperators.ADD);
        s[1] = a1.reduceLanes(VectorOperators.ADD);
        s[2] = a2.reduceLanes(VectorOperators.ADD);
        s[3] = a3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            for (int r = 0; r < RB; r++) {
                s[r] += xv * Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + r * rowBytes + 2L * p));
            }
        }
    }

    /** s[r] = wb[r·k, (r+1)·k) · x[xo, xo + k) for four widened rows. */
    static void dot4Array(float[] x, int xo, float[] wb, int k, float[] s) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector xv = FloatVector.fromArray(MatMul.F, x, xo + p);
            a0 = FloatVector.fromArray(MatMul.F, wb, p).fma(xv, a0);
            a1 = FloatVector.fromArray(MatMul.F, wb, k + p).fma(xv, a1);
            a2 = FloatVector.fromArray(MatMul.F, wb, 2 * k + p).fma(xv, a2);
            a3 = FloatVector.fromArray(MatMul.F, wb, 3 * k + p).fma(xv, a3);
        }
        s[0] = a0.reduceLanes(VectorOperators.ADD);
        s[1] = a1.reduceLanes(VectorOperators.ADD);
        s[2] = a2.reduceLanes(VectorOperators.ADD);
        s[3] = a3.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float xv = x[xo + p];
            for (int r = 0; r < RB; r++) {
                s[r] += xv * wb[r * k + p];
            }
        }
    }
}
