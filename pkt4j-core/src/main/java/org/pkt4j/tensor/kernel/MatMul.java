package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * Matrix products in the nn.Linear layout: weights {@code W[n, k]} row-major ([out, in]) in their stored
 * dtype (F32, BF16, F16), activations fp32 {@code float[]} row-major, fp32 accumulation.
 * {@link MatMulScalar} is the reference with the same signatures.
 */
public final class MatMul {
    private MatMul() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Short> S = F.length() == 16 ? ShortVector.SPECIES_256
            : F.length() == 8 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ. */
    public static void linear(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                              boolean accumulate) {
        int n = w.rows();
        MatMulScalar.check(w, n, k);
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        long work = (long) m * n * k;
        int grain = (int) Math.max(1, Math.min(n, (1L << 16) / Math.max(1, (long) m * k)));
        ctx.parallelFor(n, work < (1 << 15) ? n : Math.max(4, grain), (j0, j1) -> {
            float[] rowBuf = dt == DType.F16 ? new float[k] : null;
            for (int j = j0; j < j1; j++) {
                long rowByte = (long) j * k * dt.bytes();
                if (rowBuf != null) {
                    for (int p = 0; p < k; p++) {
                        rowBuf[p] = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, rowByte + 2L * p));
                    }
                }
                for (int i = 0; i < m; i++) {
                    float s = switch (dt) {
                        case F32 -> dotF32(x, xOff + i * k, seg, rowByte, k);
                        case BF16 -> dotBf16(x, xOff + i * k, seg, rowByte, k);
                        case F16 -> dotArray(x, xOff + i * k, rowBuf, 0, k);
                        default -> throw new IllegalArgumentException("matmul: unsupported weight dtype " + dt);
                    };
                    int o = yOff + i * n + j;
                    y[o] = accumulate ? y[o] + s : s;
                }
            }
        });
    }

    /** dx[m, k] (+)= dy[m, n] · W[n, k]. */
    public static void linearBackwardInput(ExecutionContext ctx, float[] dy, int dyOff, int m, int n, Tensor w, float[] dx,
                                           int dxOff, boolean accumulate) {
        int k = w.cols();
        MatMulScalar.check(w, n, k);
        DType dt = w.dtype();
        MemorySegment seg = w.data();
        ctx.parallelFor(m, 1, (i0, i1) -> {
            float[] acc = new float[k];
            float[] rowBuf = new float[k];
            for (int i = i0; i < i1; i++) {
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < n; j++) {
                    float g = dy[dyOff + i * n + j];
                    if (g == 0f) {
                        continue;
                    }
                    loadRow(seg, dt, (long) j * k, k, rowBuf);
                    axpy(g, rowBuf, 0, acc, 0, k);
                }
                int o = dxOff + i * k;
                if (accumulate) {
                    axpy(1f, acc, 0, dx, o, k);
                } else {
                    System.arraycopy(acc, 0, dx, o, k);
                }
            }
        });
    }

    /** dW[n, k] += dy[m, n]ᵀ · x[m, k]. */
    public static void linearBackwardWeight(ExecutionContext ctx, float[] dy, int dyOff, float[] x, int xOff, int m, int n,
                                            int k, float[] dw, int dwOff) {
        ctx.parallelFor(n, Math.max(1, 4096 / Math.max(1, k)), (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                int row = dwOff + j * k;
                for (int i = 0; i < m; i++) {
                    float g = dy[dyOff + i * n + j];
                    if (g != 0f) {
                        axpy(g, x, xOff + i * k, dw, row, k);
                    }
                }
            }
        });
    }

    /** Widens W row elements [start, start+len) (element index) into {@code out}. */
    public static void loadRow(MemorySegment seg, DType dt, long start, int len, float[] out) {
        loadRow(seg, dt, start, len, out, 0);
    }

    /** Widens W elements [start, start+len) into {@code out[off, off+len)}. */
    public static void loadRow(MemorySegment seg, DType dt, long start, int len, float[] out, int off) {
        switch (dt) {
            case F32 -> MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, start * 4, out, off, len);
            case BF16 -> {
                int p = 0;
                for (; p <= len - L; p += L) {
                    bf16Vector(seg, (start + p) * 2).intoArray(out, off + p);
                }
                for (; p < len; p++) {
                    out[off + p] = DType.bf16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, (start + p) * 2));
                }
            }
            case F16 -> {
                for (int p = 0; p < len; p++) {
                    out[off + p] = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, (start + p) * 2));
                }
            }
            default -> throw new IllegalArgumentException("unsupported weight dtype " + dt);
        }
    }

    static FloatVector bf16Vector(MemorySegment seg, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector iv = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return iv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float dotF32(float[] x, int xo, MemorySegment seg, long byteOff, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            acc0 = FloatVector.fromArray(F, x, xo + p).fma(FloatVector.fromMemorySegment(F, seg, byteOff + 4L * p, ByteOrder.LITTLE_ENDIAN), acc0);
            acc1 = FloatVector.fromArray(F, x, xo + p + L).fma(FloatVector.fromMemorySegment(F, seg, byteOff + 4L * (p + L), ByteOrder.LITTLE_ENDIAN), acc1);
        }
        for (; p <= k - L; p += L) {
            acc0 = FloatVector.fromArray(F, x, xo + p).fma(FloatVector.fromMemorySegment(F, seg, byteOff + 4L * p, ByteOrder.LITTLE_ENDIAN), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += x[xo + p] * seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED, byteOff + 4L * p);
        }
        return s;
    }

    static float dotBf16(float[] x, int xo, MemorySegment seg, long byteOff, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            acc0 = FloatVector.fromArray(F, x, xo + p).fma(bf16Vector(seg, byteOff + 2L * p), acc0);
            acc1 = FloatVector.fromArray(F, x, xo + p + L).fma(bf16Vector(seg, byteOff + 2L * (p + L)), acc1);
        }
        for (; p <= k - L; p += L) {
            acc0 = FloatVector.fromArray(F, x, xo + p).fma(bf16Vector(seg, byteOff + 2L * p), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += x[xo + p] * DType.bf16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, byteOff + 2L * p));
        }
        return s;
    }

    /** Σ a[ao + p] * b[bo + p] over p < k. */
    public static float dotArray(float[] a, int ao, float[] b, int bo, int k) {
        FloatVector acc = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - L; p += L) {
            acc = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += a[ao + p] * b[bo + p];
        }
        return s;
    }

    /** y[yo + p] += alpha * x[xo + p] over p < k. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int k) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector.fromArray(F, x, xo + p).fma(a, FloatVector.fromArray(F, y, yo + p)).intoArray(y, yo + p);
        }
        for (; p < k; p++) {
            y[yo + p] += alpha * x[xo + p];
        }
    }
}
