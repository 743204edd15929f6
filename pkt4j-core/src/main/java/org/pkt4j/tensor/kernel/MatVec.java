package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * y = x·Wᵀ for fewer than {@link MatMul#GEMM_MIN_ROWS} rows of x — decode is one row. The product is bound
 * by reading W from memory, so the kernel reads each W element once: for a single x row, fp32 rows of up to
 * {@link #STREAMED_F32_ROW_BYTES} as one stream over the whole chunk of rows ({@link #rowsF32}), longer ones
 * four side by side; BF16 rows streamed the same way ({@link #rowsBf16}), widened in registers by a shift and a
 * mask (half the bytes of F32 for the same arithmetic);
 * rows split across threads. With several x rows, four W rows at a time are widened into a small buffer that
 * stays in L1 while every x row is dotted with them.
 */
final class MatVec {
    private MatVec() {
    }

    /** W rows per step. */
    static final int RB = 4;
    /**
     * Longest fp32 row (bytes) read by the streaming decode kernel {@link #rowsF32}; longer rows go four side
     * by side ({@link #dot4F32}), which loads each x vector once for four rows. Measured on this AMD machine
     * (one thread, 256 MB of rows, GB/s streamed): one stream through one loop 30–33 for rows of 288–2048
     * floats but 21 at 4096 and 18 at 11008; four rows side by side 24–28 up to 1024 floats, 34–35 at
     * 2048–4096, 38–40 at 11008. (C's one-loop-per-row reaches 42 for every width; C2 splits a per-row loop
     * into pre-, main and post-loops whose overheads cost Java that kernel 13–33 depending on the width.)
     */
    static final int STREAMED_F32_ROW_BYTES = 4096;
    private static final int L = MatMul.L;

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ, row by row of W. */
    static void linear(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                       boolean accumulate) {
        int n = w.rows();
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        int grain = grain(n, (long) k * dt.bytes());
        if (m == 1) {
            float[] xs = dt == DType.BF16 ? evenOdd(x, xOff, k) : null;
            ctx.parallelFor(n, grain, (j0, j1) -> rows(x, xOff, xs, w, k, j0, j1, y, yOff, accumulate));
            return;
        }
        ctx.parallelFor(n, grain, (j0, j1) -> {
            float[] wb = new float[RB * k];
            float[] s = new float[RB];
            int j = j0;
            for (; j + RB <= j1; j += RB) {
                for (int r = 0; r < RB; r++) {
                    MatMul.loadRow(seg, dt, (long) (j + r) * k, k, wb, r * k);
                }
                for (int i = 0; i < m; i++) {
                    dot4Array(x, xOff + i * k, wb, k, s);
                    store(s, RB, y, yOff + i * n + j, accumulate);
                }
            }
            for (; j < j1; j++) {
                MatMul.loadRow(seg, dt, (long) j * k, k, wb, 0);
                for (int i = 0; i < m; i++) {
                    int o = yOff + i * n + j;
                    float v = MatMul.dotArray(x, xOff + i * k, wb, 0, k);
                    y[o] = accumulate ? y[o] + v : v;
                }
            }
        });
    }

    /**
     * y_i = W_i · x (written, not added) for matrices that share their input, as one parallel call: decode's
     * q/k/v and gate/up projections. Each of the ~40 parallel calls of a decode step costs a hand-off and a
     * wait for the slower thread; joining these saves 18 of them per step at six layers.
     */
    static void linearShared(ExecutionContext ctx, float[] x, int k, Tensor[] ws, float[][] ys) {
        int[] start = new int[ws.length + 1];
        long bytes = 0;
        boolean bf16 = false;
        for (int i = 0; i < ws.length; i++) {
            start[i + 1] = start[i] + ws[i].rows();
            bytes += (long) ws[i].rows() * k * ws[i].dtype().bytes();
            bf16 |= ws[i].dtype() == DType.BF16;
        }
        float[] xs = bf16 ? evenOdd(x, 0, k) : null;
        int n = start[ws.length];
        ctx.parallelFor(n, grain(n, Math.max(1, bytes / n)), (j0, j1) -> {
            for (int i = 0; i < ws.length; i++) {
                int lo = Math.max(j0, start[i]), hi = Math.min(j1, start[i + 1]);
                if (lo < hi) {
                    rows(x, 0, xs, ws[i], k, lo - start[i], hi - start[i], ys[i], 0, false);
                }
            }
        });
    }

    /**
     * Rows per parallel chunk: at least ~256 KiB of W (~10 µs of streaming): a parked worker takes
     * microseconds to wake, and one preempted while holding a chunk stalls the whole call, so small matrices
     * are not worth splitting.
     */
    private static int grain(int n, long rowBytes) {
        return (int) Math.max(RB, Math.min(n, (262144 / Math.max(1, rowBytes) + RB - 1) / RB * RB));
    }

    /**
     * y[yOff + j] (+)= W row j · x for j in [j0, j1), one x row; {@code xs} is x in {@link #evenOdd} order
     * when W is BF16. fp32 rows of up to {@link #STREAMED_F32_ROW_BYTES} stream through {@link #rowsF32},
     * longer ones go four at a time.
     */
    private static void rows(float[] x, int xOff, float[] xs, Tensor w, int k, int j0, int j1, float[] y, int yOff,
                             boolean accumulate) {
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        long rowBytes = (long) k * dt.bytes();
        int j = j0;
        if (dt == DType.F32 && rowBytes <= STREAMED_F32_ROW_BYTES && k % L == 0) {
            rowsF32(x, xOff, seg, j0 * rowBytes, k, j1 - j0, y, yOff + j0, accumulate);
            return;
        }
        if (dt == DType.BF16 && k % (2 * L) == 0) {
            rowsBf16(xs, seg, j0 * rowBytes, k, j1 - j0, y, yOff + j0, accumulate);
            return;
        }
        if (dt == DType.F32 && rowBytes > STREAMED_F32_ROW_BYTES) {
            float[] s = new float[RB];
            for (; j + RB <= j1; j += RB) {
                dot4F32(x, xOff, seg, j * rowBytes, rowBytes, k, s);
                store(s, RB, y, yOff + j, accumulate);
            }
        }
        for (; j < j1; j++) {
            long at = j * rowBytes;
            float v = switch (dt) {
                case F32 -> dotF32(x, xOff, seg, at, k);
                case BF16 -> dotBf16(xs, 0, seg, at, k);
                default -> dotF16(x, xOff, seg, at, k);
            };
            y[yOff + j] = accumulate ? y[yOff + j] + v : v;
        }
    }

    private static void store(float[] s, int count, float[] y, int o, boolean accumulate) {
        for (int r = 0; r < count; r++) {
            y[o + r] = accumulate ? y[o + r] + s[r] : s[r];
        }
    }

    /**
     * y[yo + r] (+)= W row r · x for {@code rows} consecutive fp32 rows of k (a multiple of L) floats from byte
     * offset {@code at}. The first and the second half of the rows stream side by side, each x vector loaded
     * once for both, and one loop runs over a half's elements, closing both rows' sums when the x index wraps:
     * the loads walk with one stride and the loop body never changes shape. A loop per row of 768 floats (12
     * steps of 4 vectors) read 13 GB/s on one thread; one stream through one loop 28–33; two streams 34–37
     * (decode, stories110M shape, 1 thread: 57 → 66 → 80 tokens/s; stories15M shape 490 → 500 → 650; four
     * streams were slower than two).
     */
    static void rowsF32(float[] x, int xo, MemorySegment seg, long at, int k, int rows, float[] y, int yo,
                        boolean accumulate) {
        long rowBytes = 4L * k;
        int r0 = 0;
        while (rows - r0 >= 2) {
            // h rows per stream; a pass's element count stays an int (at most 2^30 floats)
            int h = Math.min((rows - r0) / 2, Math.max(1, (1 << 30) / k));
            int n = h * k;
            long first = at + rowBytes * r0, second = rowBytes * h;
            int j = yo + r0;
            int p = 0;
            FloatVector a = FloatVector.zero(MatMul.F), b = a;
            for (int e = 0; e < n; e += L) {
                FloatVector xv = FloatVector.fromArray(MatMul.F, x, xo + p);
                long o = first + 4L * e;
                a = FloatVector.fromMemorySegment(MatMul.F, seg, o, ByteOrder.LITTLE_ENDIAN).fma(xv, a);
                b = FloatVector.fromMemorySegment(MatMul.F, seg, o + second, ByteOrder.LITTLE_ENDIAN).fma(xv, b);
                p += L;
                if (p == k) {
                    float va = a.reduceLanes(VectorOperators.ADD), vb = b.reduceLanes(VectorOperators.ADD);
                    y[j] = accumulate ? y[j] + va : va;
                    y[j + h] = accumulate ? y[j + h] + vb : vb;
                    j++;
                    p = 0;
                    a = FloatVector.zero(MatMul.F);
                    b = a;
                }
            }
            r0 += 2 * h;
        }
        if (r0 < rows) {
            float v = dotF32(x, xo, seg, at + rowBytes * r0, k);
            y[yo + r0] = accumulate ? y[yo + r0] + v : v;
        }
    }

    /**
     * {@link #rowsF32} for bfloat16 rows of k (a multiple of 2L) values, with x in {@link #evenOdd} order: two
     * streams side by side, each step one int vector of 2L stored values from each, its even values taken by a
     * shift and its odd ones by a mask (see {@link #dotBf16}). The widening is written out rather than in helper
     * methods: when C2 left such a helper out of line (it did, depending on what it had compiled before: after a
     * few seconds of prefill, for one) it boxed a vector per call and halved decode speed (stories110M shape,
     * 1 thread: 55 against 90 tokens/s). Two streams against one row at a time: stories15M shape 1 thread ~800
     * → ~1200 tokens/s, stories110M ~102 → ~150.
     */
    static void rowsBf16(float[] xs, MemorySegment seg, long at, int k, int rows, float[] y, int yo, boolean accumulate) {
        long rowBytes = 2L * k;
        int r0 = 0;
        while (rows - r0 >= 2) {
            int h = Math.min((rows - r0) / 2, Math.max(1, (1 << 30) / k));
            int n = h * k;
            long first = at + rowBytes * r0, second = rowBytes * h;
            int j = yo + r0;
            int p = 0;
            FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, b0 = a0, b1 = a0;
            for (int e = 0; e < n; e += 2 * L) {
                // x's even and odd elements of this step (evenOdd order)
                FloatVector xe = FloatVector.fromArray(MatMul.F, xs, p), xo = FloatVector.fromArray(MatMul.F, xs, p + L);
                long o = first + 2L * e;
                IntVector w = IntVector.fromMemorySegment(MatMul.I, seg, o, ByteOrder.LITTLE_ENDIAN);
                IntVector v = IntVector.fromMemorySegment(MatMul.I, seg, o + second, ByteOrder.LITTLE_ENDIAN);
                a0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
                a1 = w.and(0xFFFF0000).reinterpretAsFloats().fma(xo, a1);
                b0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, b0);
                b1 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, b1);
                p += 2 * L;
                if (p == k) {
                    float va = a0.add(a1).reduceLanes(VectorOperators.ADD), vb = b0.add(b1).reduceLanes(VectorOperators.ADD);
                    y[j] = accumulate ? y[j] + va : va;
                    y[j + h] = accumulate ? y[j + h] + vb : vb;
                    j++;
                    p = 0;
                    a0 = FloatVector.zero(MatMul.F);
                    a1 = a0; b0 = a0; b1 = a0;
                }
            }
            r0 += 2 * h;
        }
        if (r0 < rows) {
            float v = dotBf16(xs, 0, seg, at + rowBytes * r0, k);
            y[yo + r0] = accumulate ? y[yo + r0] + v : v;
        }
    }

    /** W row · x for one fp32 row at byte offset {@code at}, four vectors per step (rows of any length). */
    static float dotF32(float[] x, int xo, MemorySegment seg, long at, int k) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p <= k - 4 * L; p += 4 * L) {
            long b = at + 4L * p;
            a0 = FloatVector.fromMemorySegment(MatMul.F, seg, b, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(MatMul.F, x, xo + p), a0);
            a1 = FloatVector.fromMemorySegment(MatMul.F, seg, b + 4L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(MatMul.F, x, xo + p + L), a1);
            a2 = FloatVector.fromMemorySegment(MatMul.F, seg, b + 8L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(MatMul.F, x, xo + p + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(MatMul.F, seg, b + 12L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(MatMul.F, x, xo + p + 3 * L), a3);
        }
        for (; p <= k - L; p += L) {
            a0 = FloatVector.fromMemorySegment(MatMul.F, seg, at + 4L * p, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(MatMul.F, x, xo + p), a0);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += x[xo + p] * seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 4L * p);
        }
        return s;
    }

    /**
     * s[r] = W row (at + r·rowBytes) · x for four fp32 rows read side by side: the decode kernel for long fp32
     * rows (see {@link #STREAMED_F32_ROW_BYTES}).
     */
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

    /**
     * x[xo, xo + k) reordered for {@link #dotBf16}: within each block of 2L elements, the L even-indexed ones
     * first, then the L odd-indexed ones; the elements after the last whole block keep their places.
     */
    static float[] evenOdd(float[] x, int xo, int k) {
        float[] xs = new float[k];
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            for (int i = 0; i < L; i++) {
                xs[p + i] = x[xo + p + 2 * i];
                xs[p + L + i] = x[xo + p + 2 * i + 1];
            }
        }
        System.arraycopy(x, xo + p, xs, p, k - p);
        return xs;
    }

    /**
     * W row · x for one bfloat16 row, with x given in {@link #evenOdd} order. A bfloat16 is the top half of an
     * fp32, so an int lane holding two stored values (little-endian: even element low, odd element high)
     * gives the even one by a left shift and the odd one by masking the low half: two cheap lane-wise
     * operations per 2L weights and no cross-lane widening, which made the row kernel ~1.3× faster than
     * widening shorts to ints (decode streams BF16 rows faster than this widening kept up with). Decode uses
     * it for rows that are not a multiple of 2L long; the others stream through {@link #rowsBf16}.
     */
    static float dotBf16(float[] xs, int xo, MemorySegment seg, long at, int k) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p <= k - 4 * L; p += 4 * L) {
            long b = at + 2L * p;
            IntVector w0 = IntVector.fromMemorySegment(MatMul.I, seg, b, ByteOrder.LITTLE_ENDIAN);
            IntVector w1 = IntVector.fromMemorySegment(MatMul.I, seg, b + 4L * L, ByteOrder.LITTLE_ENDIAN);
            a0 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p), a0);
            a1 = w0.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p + L), a1);
            a2 = w1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p + 2 * L), a2);
            a3 = w1.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p + 3 * L), a3);
        }
        for (; p <= k - 2 * L; p += 2 * L) {
            IntVector w0 = IntVector.fromMemorySegment(MatMul.I, seg, at + 2L * p, ByteOrder.LITTLE_ENDIAN);
            a0 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p), a0);
            a1 = w0.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(MatMul.F, xs, xo + p + L), a1);
        }
        for (; p <= k - L; p += L) {
            a2 = MatMul.bf16Vector(seg, at + 2L * p).fma(FloatVector.fromArray(MatMul.F, xs, xo + p), a2);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += xs[xo + p] * DType.bf16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * p));
        }
        return s;
    }

    /** {@link #dotF32} for an IEEE half row. */
    static float dotF16(float[] x, int xo, MemorySegment seg, long at, int k) {
        FloatVector a0 = FloatVector.zero(MatMul.F), a1 = a0;
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            long b = at + 2L * p;
            a0 = MatMul.f16Vector(seg, b).fma(FloatVector.fromArray(MatMul.F, x, xo + p), a0);
            a1 = MatMul.f16Vector(seg, b + 2L * L).fma(FloatVector.fromArray(MatMul.F, x, xo + p + L), a1);
        }
        for (; p <= k - L; p += L) {
            a0 = MatMul.f16Vector(seg, at + 2L * p).fma(FloatVector.fromArray(MatMul.F, x, xo + p), a0);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += x[xo + p] * Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * p));
        }
        return s;
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
