package org.pkt4j.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * Kernel conformance: every Vector API matrix kernel ({@link Gemm}, {@link MatVec}, and {@link MatMul}'s
 * dispatch over them) against {@link MatMulScalar} on seeded odd shapes — lengths that are not multiples of
 * the vector width or the tile, M = 1, N = 1, K = 1, fp32 rows on both sides of the decode kernel's
 * row-length switch, decode matrices large enough to be split across threads, shapes past the reduction
 * block — for every weight
 * dtype, with and without accumulation, at non-zero offsets, with weights on the heap and in native memory
 * at an unaligned address (as in a memory-mapped safetensors file). Outputs are compared over the whole
 * array, so a write outside the target range fails too.
 */
class MatMulConformanceTest {

    private static final ExecutionContext THREE = ExecutionContext.of(3);

    @AfterAll
    static void closePool() {
        THREE.close();
    }

    /** (m, n, k): y[m, n] = x[m, k]·W[n, k]ᵀ, dx[m, k] = dy[m, n]·W, dW[n, k] += dyᵀ·x. */
    static Stream<Arguments> shapes() {
        int[][] shapes = {
            {1, 1, 1}, {1, 1, 16}, {1, 7, 48}, {1, 2101, 64}, {1, 37, 1024}, {1, 9, 1040}, {1, 5, 3}, {1, 7, 17}, {1, 33, 100}, {1, 130, 257}, {1, 9, 400}, {1, 13, 517}, {1, 2101, 70},
            {3, 2101, 70},
            {2, 9, 15}, {3, 4, 16}, {5, 17, 33}, {7, 8, 1},
            {8, 1, 1}, {8, 8, 16}, {9, 3, 17}, {17, 65, 33}, {31, 9, 7}, {32, 32, 32}, {33, 70, 45},
            {67, 130, 100}, {8, 129, 5}, {40, 20, 1030}, {5, 1100, 40}, {1030, 9, 33}, {300, 700, 40},
            {70, 130, 1030},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                out.add(Arguments.of(s[0], s[1], s[2], dt));
            }
        }
        return out.stream();
    }

    private enum Layout { HEAP, NATIVE_UNALIGNED }

    @ParameterizedTest(name = "m={0} n={1} k={2} {3}")
    @MethodSource("shapes")
    void linearMatchesScalar(int m, int n, int k, DType dt) {
        SplittableRandom rng = new SplittableRandom(1000L * m + 10L * n + k);
        for (Layout layout : Layout.values()) {
            Tensor w = weight(rng, dt, n, k, layout);
            for (boolean acc : new boolean[] {false, true}) {
                float[] x = random(rng, 2 + m * k + 3);
                float[] y0 = random(rng, 5 + m * n + 4);
                float[] expected = y0.clone();
                MatMulScalar.linear(x, 2, m, k, w, expected, 5, acc);
                String what = "linear m=" + m + " n=" + n + " k=" + k + " " + dt + " " + layout + " acc=" + acc;
                for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
                    float[] y = y0.clone();
                    MatMul.linear(ctx, x, 2, m, k, w, y, 5, acc);
                    assertClose(what + " dispatch t=" + ctx.threads(), y, expected, RTOL, atol(k));
                    y = y0.clone();
                    Gemm.linear(ctx, x, 2, m, k, w, y, 5, acc);
                    assertClose(what + " gemm t=" + ctx.threads(), y, expected, RTOL, atol(k));
                    y = y0.clone();
                    MatVec.linear(ctx, x, 2, m, k, w, y, 5, acc);
                    assertClose(what + " rows t=" + ctx.threads(), y, expected, RTOL, atol(k));
                }
                if (m == 1) {
                    float[] y = y0.clone();
                    MatMul.matvec(THREE, x, 2, w, y, 5, acc);
                    assertClose(what + " matvec", y, expected, RTOL, atol(k));
                }
            }
        }
    }

    /**
     * linearShared: matrices of several heights and dtypes sharing one input, each output as {@link
     * MatMulScalar#linear} writes it (one parallel call over all rows for m = 1, chunks crossing matrices).
     */
    @ParameterizedTest(name = "m={0} k={1}")
    @CsvSource({"1,48", "1,288", "1,37", "1,1040", "3,48", "9,64", "20,1040"})
    void linearSharedMatchesScalar(int m, int k) {
        SplittableRandom rng = new SplittableRandom(31L * m + k);
        int[] heights = {1500, 7, 900, 3};
        DType[] types = {DType.F32, DType.BF16, DType.F32, DType.F16};
        Tensor[] ws = new Tensor[heights.length];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = weight(rng, types[i], heights[i], k, Layout.NATIVE_UNALIGNED);
        }
        float[] x = random(rng, m * k);
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
            float[][] ys = new float[ws.length][];
            for (int i = 0; i < ws.length; i++) {
                ys[i] = random(rng, m * heights[i] + 2);
            }
            float[][] expected = new float[ws.length][];
            for (int i = 0; i < ws.length; i++) {
                expected[i] = ys[i].clone();
                MatMulScalar.linear(x, 0, m, k, ws[i], expected[i], 0, false);
            }
            MatMul.linearShared(ctx, x, m, k, ws, ys);
            for (int i = 0; i < ws.length; i++) {
                assertClose("linearShared m=" + m + " k=" + k + " matrix " + i + " " + types[i] + " t=" + ctx.threads(),
                        ys[i], expected[i], RTOL, atol(k));
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} {3}")
    @MethodSource("shapes")
    void backwardInputMatchesScalar(int m, int n, int k, DType dt) {
        SplittableRandom rng = new SplittableRandom(7000L * m + 70L * n + k);
        for (Layout layout : Layout.values()) {
            Tensor w = weight(rng, dt, n, k, layout);
            for (boolean acc : new boolean[] {false, true}) {
                float[] dy = random(rng, 1 + m * n + 2);
                float[] dx0 = random(rng, 4 + m * k + 1);
                float[] expected = dx0.clone();
                MatMulScalar.linearBackwardInput(dy, 1, m, n, w, expected, 4, acc);
                for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
                    float[] dx = dx0.clone();
                    MatMul.linearBackwardInput(ctx, dy, 1, m, n, w, dx, 4, acc);
                    assertClose("backwardInput m=" + m + " n=" + n + " k=" + k + " " + dt + " " + layout + " acc=" + acc
                            + " t=" + ctx.threads(), dx, expected, RTOL, atol(n));
                }
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @MethodSource("shapes")
    void backwardWeightMatchesScalar(int m, int n, int k, DType unused) {
        if (unused != DType.F32) {
            return;
        }
        SplittableRandom rng = new SplittableRandom(31000L * m + 310L * n + k);
        float[] dy = random(rng, 3 + m * n);
        float[] x = random(rng, 6 + m * k + 2);
        float[] dw0 = random(rng, 7 + n * k + 3);
        float[] expected = dw0.clone();
        MatMulScalar.linearBackwardWeight(dy, 3, x, 6, m, n, k, expected, 7);
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.singleThreaded(), THREE}) {
            float[] dw = dw0.clone();
            MatMul.linearBackwardWeight(ctx, dy, 3, x, 6, m, n, k, dw, 7);
            assertClose("backwardWeight m=" + m + " n=" + n + " k=" + k + " t=" + ctx.threads(), dw, expected, RTOL, atol(m));
        }
    }

    @Test
    void halfWideningIsExactForEveryBitPattern() {
        int count = 1 << 16;
        MemorySegment seg = MemorySegment.ofArray(new short[count]);
        for (int i = 0; i < count; i++) {
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) i);
        }
        float[] out = new float[count];
        MatMul.loadRow(seg, DType.F16, 0, count, out);
        for (int i = 0; i < count; i++) {
            float exp = Float.float16ToFloat((short) i);
            if (Float.isNaN(exp)) {
                assertEquals(true, Float.isNaN(out[i]), "half 0x" + Integer.toHexString(i) + " should widen to NaN");
            } else {
                assertEquals(Float.floatToRawIntBits(exp), Float.floatToRawIntBits(out[i]),
                        "half 0x" + Integer.toHexString(i) + ": expected " + exp + ", got " + out[i]);
            }
        }
    }

    @Test
    void loadRowWidensEveryDtypeAtOffsets() {
        SplittableRandom rng = new SplittableRandom(5);
        for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Tensor w = weight(rng, dt, 3, 37, Layout.NATIVE_UNALIGNED);
            float[] out = new float[40];
            MatMul.loadRow(w.data(), dt, 41, 35, out, 2);
            for (int p = 0; p < 35; p++) {
                assertEquals(w.getFloat(41 + p), out[2 + p], dt + " element " + p);
            }
            assertEquals(0f, out[0]);
            assertEquals(0f, out[37]);
        }
    }

    private static final double RTOL = 1e-5;

    /** Summation-order error grows with the reduction length; a dropped or doubled term is ≥ ~1e-2. */
    private static double atol(int reduction) {
        return 2e-6 * reduction;
    }

    static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** W[n, k] of uniform(-1, 1) values rounded to dt, on the heap or in native memory at an odd address. */
    private static Tensor weight(SplittableRandom rng, DType dt, int n, int k, Layout layout) {
        long bytes = (long) n * k * dt.bytes();
        MemorySegment seg = layout == Layout.HEAP
                ? (dt == DType.F32 ? MemorySegment.ofArray(new float[n * k]) : MemorySegment.ofArray(new short[n * k]))
                : Arena.ofAuto().allocate(bytes + 8, 8).asSlice(2, bytes);
        Tensor w = new Tensor("w", dt, new long[] {n, k}, seg);
        for (long i = 0; i < (long) n * k; i++) {
            w.setFloat(i, (float) (rng.nextDouble() * 2 - 1));
        }
        return w;
    }
}
