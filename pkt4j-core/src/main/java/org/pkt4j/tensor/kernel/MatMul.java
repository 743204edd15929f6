package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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

    /** The float species of every kernel: 16 lanes with AVX-512, 8 with AVX2, 4 with NEON; at least 4 everywhere. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** L 16-bit lanes (half the float vector's bits): one load of BF16/F16 weights widens to one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /**
     * Below this many rows {@link #linear} runs the row kernel of {@link MatVec} (W streamed once, several rows
     * per step); from here on the packed GEMM of {@link Gemm}, whose 32-row panels would be mostly padding for
     * fewer rows.
     */
    public static final int GEMM_MIN_ROWS = 8;

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ. */
    public static void linear(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                              boolean accumulate) {
        MatMulScalar.check(w, w.rows(), k);
        checkDtype(w);
        if (m >= GEMM_MIN_ROWS) {
            Gemm.linear(ctx, x, xOff, m, k, w, y, yOff, accumulate);
        } else {
            MatVec.linear(ctx, x, xOff, m, k, w, y, yOff, accumulate);
        }
    }

    /**
     * y_i[m, n_i] = x[m, k] · W_iᵀ (written, not added) for matrices that share their input, such as the q/k/v
     * projections: {@link #linear} for each, joined into one parallel call when m = 1 (decode), with x packed
     * once for all of them for the GEMM.
     */
    public static void linearShared(ExecutionContext ctx, float[] x, int m, int k, Tensor[] ws, float[][] ys) {
        for (Tensor w : ws) {
            MatMulScalar.check(w, w.rows(), k);
            checkDtype(w);
        }
        if (m == 1) {
            MatVec.linearShared(ctx, x, k, ws, ys);
        } else if (m >= GEMM_MIN_ROWS) {
            Gemm.linearShared(ctx, x, m, k, ws, ys);
        } else {
            for (int i = 0; i < ws.length; i++) {
                MatVec.linear(ctx, x, 0, m, k, ws[i], ys[i], 0, false);
            }
        }
    }

    /** y[n] (+)= W[n, k] · x[k]: the decode path, {@link #linear} with one row. */
    public static void matvec(ExecutionContext ctx, float[] x, int xOff, Tensor w, float[] y, int yOff, boolean accumulate) {
        checkDtype(w);
        MatVec.linear(ctx, x, xOff, 1, w.cols(), w, y, yOff, accumulate);
    }

    /** dx[m, k] (+)= dy[m, n] · W[n, k]. */
    public static void linearBackwardInput(ExecutionContext ctx, float[] dy, int dyOff, int m, int n, Tensor w, float[] dx,
                                           int dxOff, boolean accumulate) {
        MatMulScalar.check(w, n, w.cols());
        checkDtype(w);
        Gemm.backwardInput(ctx, dy, dyOff, m, n, w, dx, dxOff, accumulate);
    }

    /** dW[n, k] += dy[m, n]ᵀ · x[m, k]. */
    public static void linearBackwardWeight(ExecutionContext ctx, float[] dy, int dyOff, float[] x, int xOff, int m, int n,
                                            int k, float[] dw, int dwOff) {
        Gemm.backwardWeight(ctx, dy, dyOff, x, xOff, m, n, k, dw, dwOff);
    }

    private static void checkDtype(Tensor w) {
        if (!w.dtype().isFloat()) {
            throw new IllegalArgumentException("matmul: " + w.name() + " has dtype " + w.dtype() + ", expected F32, BF16 or F16");
        }
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
                int p = 0;
                for (; p <= len - L; p += L) {
                    f16Vector(seg, (start + p) * 2).intoArray(out, off + p);
                }
                for (; p < len; p++) {
                    out[off + p] = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, (start + p) * 2));
                }
            }
            default -> throw new IllegalArgumentException("unsupported weight dtype " + dt);
        }
    }

    /** L weights from element {@code element} on, widened to fp32 whatever the stored dtype. */
    static FloatVector weightVector(MemorySegment seg, DType dt, long element) {
        return switch (dt) {
            case F32 -> FloatVector.fromMemorySegment(F, seg, element * 4, ByteOrder.LITTLE_ENDIAN);
            case BF16 -> bf16Vector(seg, element * 2);
            case F16 -> f16Vector(seg, element * 2);
            default -> throw new IllegalArgumentException("unsupported weight dtype " + dt);
        };
    }

    /** L bfloat16 values at a byte offset, widened: a bf16 is the top half of an fp32, so a shift does it. */
    static FloatVector bf16Vector(MemorySegment seg, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector iv = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return iv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * L IEEE half values at a byte offset, widened exactly (the Vector API has no half conversion): re-bias
     * the exponent of normal numbers, finish the exponent of inf/NaN, and rebuild subnormals as mantissa·2⁻²⁴
     * in fp32 arithmetic, which is exact.
     */
    static FloatVector f16Vector(MemorySegment seg, long byteOffset) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector bits = em.lanewise(VectorOperators.LSHL, 13).add((127 - 15) << 23);
        bits = bits.add((128 - 16) << 23, em.compare(VectorOperators.GE, 0x7c00));
        FloatVector sub = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
        bits = bits.blend(sub.reinterpretAsInts(), em.compare(VectorOperators.LT, 0x0400));
        return bits.or(sign).reinterpretAsFloats();
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
