package org.pkt4j.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * The packed, register-blocked matrix products behind {@link MatMul} for M ≥ {@link MatMul#GEMM_MIN_ROWS}.
 *
 * <p>All three products run one micro-kernel, {@link #kernel8}: an 8 × NR tile of C (NR = 2 vectors) kept in
 * 16 vector registers, updated per reduction step p by two vector loads of a "B" row and 8 broadcasts of
 * "A" scalars — "pack B, broadcast A". It reaches ~95% of the FMA peak when its B rows stream from L2,
 * against 60–65% for a 1-row × 16 kernel (broadcast-bound) and 20–40% for dot-product tiles (reductions and
 * repeated BF16 widening). What changes between the products is which operand plays A and B:
 * <ul>
 *   <li>{@code linear} (y = x·Wᵀ): A = 8 rows of W widened to fp32 in a small per-thread buffer, B = xᵀ
 *       packed once per call as 32-row column panels (x is small next to W), C = tiles of yᵀ, staged for a
 *       block of 64 W rows and then transposed into y. Packing x instead of W keeps the per-element packing cost proportional to m·k,
 *       not n·k: the W side is only widened along its rows, never transposed.</li>
 *   <li>{@code backwardInput} (dx = dy·W): A = dy rows, B = a column strip of W widened row by row (W is
 *       already "k-contiguous"), C = dx rows.</li>
 *   <li>{@code backwardWeight} (dW += dyᵀ·x): A = 8 columns of dy gathered into a buffer, B = x rows read in
 *       place, C = dW rows (always accumulated).</li>
 * </ul>
 * Ragged edges are handled by zero padding (rows of A, lanes of packed B) or by computing into a small tile
 * and copying its valid part, so the kernel itself never sees a partial tile.
 */
final class Gemm {
    private Gemm() {
    }

    static final int L = MatMul.L;
    /** Tile width (columns of C) of the micro-kernel: two vectors. */
    static final int NR = 2 * L;
    /** Tile height (rows of C) of the micro-kernel. */
    static final int MR = 8;
    /** Reduction-block length: a B panel of KC × NR floats stays in L2, an A tile of 8 × KC in L1. */
    static final int KC = 1024;
    /** W rows widened per block in {@code linear}: 64 × KC floats (≤ 256 KiB) reused by every m panel. */
    static final int NB = 64;
    /** Row groups per block in {@code backwardWeight}: their dy columns (KC × 128 floats) stay in L2 while x strips pass. */
    static final int GB = 16;
    /** Floats of the dy block that {@code backwardInput} keeps in L2 across strips (512 KiB, half of this machine's L2). */
    static final int DY_BLOCK_FLOATS = 131072;

    /**
     * At or below this many W rows, or this short a reduction, {@code linear} packs Wᵀ instead of x: LoRA's
     * rank-r products (W = A with r rows, or B with r columns) are where it matters, since packing all of x
     * for a 16-row W cost 3–4× the product itself.
     */
    static final int SMALL_W_ROWS = 64;
    static final int SMALL_W_COLS = 32;

    /** y[m, n] (+)= x[m, k] · W[n, k]ᵀ. */
    static void linear(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                       boolean accumulate) {
        if (packsW(w, k)) {
            linearSmallW(ctx, x, xOff, m, k, w, y, yOff, accumulate);
            return;
        }
        linearPacked(ctx, packTransposed(ctx, x, xOff, m, k, (m + NR - 1) / NR), m, k, w, y, yOff, accumulate);
    }

    /**
     * {@link #linear} for matrices that share x, such as the q/k/v projections: x is packed once for all of
     * them (each pack is a scalar transposing pass over x, ~6% of a stories110M-shape prefill when done per
     * matrix). Outputs are written, not added.
     */
    static void linearShared(ExecutionContext ctx, float[] x, int m, int k, Tensor[] ws, float[][] ys) {
        float[] xp = null;
        for (int i = 0; i < ws.length; i++) {
            if (packsW(ws[i], k)) {
                linearSmallW(ctx, x, 0, m, k, ws[i], ys[i], 0, false);
                continue;
            }
            if (xp == null) {
                xp = packTransposed(ctx, x, 0, m, k, (m + NR - 1) / NR);
            }
            linearPacked(ctx, xp, m, k, ws[i], ys[i], 0, false);
        }
    }

    /** Whether {@code linear} packs Wᵀ rather than x for this W (see {@link #SMALL_W_ROWS}). */
    private static boolean packsW(Tensor w, int k) {
        return w.rows() <= SMALL_W_ROWS || k <= SMALL_W_COLS;
    }

    /** {@link #linear} with x already packed by {@link #packTransposed}. */
    private static void linearPacked(ExecutionContext ctx, float[] xp, int m, int k, Tensor w, float[] y, int yOff,
                                     boolean accumulate) {
        int n = w.rows();
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        int panels = (m + NR - 1) / NR;
        int blocks = (n + NB - 1) / NB;
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        Scratch scratch = new Scratch(ctx, NB * kcMax, NB * NR);
        ctx.parallelFor(blocks, 1, (thread, b0, b1) -> {
            float[] wb = scratch.a(thread);
            float[] stage = scratch.tile(thread);
            for (int b = b0; b < b1; b++) {
                int j0 = b * NB;
                int rows = Math.min(NB, n - j0);
                int groups = (rows + MR - 1) / MR;
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    // A: W rows j0.. widened to fp32, row r at r*kc; rows past n stay zero
                    for (int r = 0; r < groups * MR; r++) {
                        if (r < rows) {
                            MatMul.loadRow(seg, dt, (long) (j0 + r) * k + pc, kc, wb, r * kc);
                        } else {
                            java.util.Arrays.fill(wb, r * kc, (r + 1) * kc, 0f);
                        }
                    }
                    boolean add = accumulate || pc > 0;
                    for (int ip = 0; ip < panels; ip++) {
                        int i0 = ip * NR;
                        int lanes = Math.min(NR, m - i0);
                        // the block's tiles of yᵀ land one under another in stage, then go to y together: each
                        // y row then receives 64 consecutive floats instead of 8 pieces of 8 (tile by tile, the
                        // scattered writes to 32 rows of y cost 8% of a stories110M-shape prefill; now ~4%)
                        for (int g = 0; g < groups; g++) {
                            kernel8(wb, g * MR * kc, kc, xp, (ip * k + pc) * NR, kc, stage, g * MR * NR);
                        }
                        storeTransposed(stage, rows, lanes, y, yOff + i0 * n + j0, n, add);
                    }
                }
            }
        });
    }

    /**
     * dx[m, k] (+)= dy[m, n] · W[n, k]. The reduction over n runs in blocks, outermost, so that the block of
     * dy ([m, kc], sized to stay in L2) is read from memory once and then reused by every column strip of dx;
     * with the strips outermost instead, the LM head's dy (m × 32000) streamed from memory once per strip.
     */
    static void backwardInput(ExecutionContext ctx, float[] dy, int dyOff, int m, int n, Tensor w, float[] dx, int dxOff,
                              boolean accumulate) {
        int k = w.cols();
        MemorySegment seg = w.data();
        DType dt = w.dtype();
        int strips = (k + NR - 1) / NR;
        int kcTarget = n <= KC ? n : Math.min(KC, Math.max(256, DY_BLOCK_FLOATS / Math.max(1, m)));
        int kBlocks = (n + kcTarget - 1) / kcTarget;
        int kcMax = (n + kBlocks - 1) / kBlocks;
        Scratch scratch = new Scratch(ctx, kcMax * NR, MR * NR);
        for (int jc = 0; jc < n; jc += kcMax) {
            final int j0 = jc;
            final int kc = Math.min(kcMax, n - jc);
            final boolean add = accumulate || jc > 0;
            ctx.parallelFor(strips, 1, (thread, s0, s1) -> {
                float[] bp = scratch.a(thread);
                float[] tile = scratch.tile(thread);
                for (int s = s0; s < s1; s++) {
                    int c0 = s * NR;
                    int cols = Math.min(NR, k - c0);
                    // B: columns [c0, c0 + NR) of W rows j0.., zero-padded past k
                    for (int j = 0; j < kc; j++) {
                        long start = (long) (j0 + j) * k + c0;
                        if (cols == NR) {
                            // two vector loads: a bulk copy call per 128 bytes cost ~10% of the LM head's dx
                            MatMul.weightVector(seg, dt, start).intoArray(bp, j * NR);
                            MatMul.weightVector(seg, dt, start + L).intoArray(bp, j * NR + L);
                        } else {
                            MatMul.loadRow(seg, dt, start, cols, bp, j * NR);
                            java.util.Arrays.fill(bp, j * NR + cols, (j + 1) * NR, 0f);
                        }
                    }
                    int i = 0;
                    for (; i + MR <= m; i += MR) {
                        kernel8(dy, dyOff + i * n + j0, n, bp, 0, kc, tile, 0);
                        storeTile(tile, MR, cols, dx, dxOff + i * k + c0, k, add);
                    }
                    for (; i < m; i++) {
                        kernel1(dy, dyOff + i * n + j0, bp, 0, NR, kc, tile);
                        storeTile(tile, 1, cols, dx, dxOff + i * k + c0, k, add);
                    }
                }
            });
        }
    }

    /**
     * dW[n, k] += dy[m, n]ᵀ · x[m, k]. A = 8 columns of dy read in place from a copy of the block's dy columns
     * (row by row, so the copy is a few long arraycopies rather than a transposition), B = NR-column strips of x
     * read in place (a ragged last strip copied once per call), C = dW tiles (always accumulated).
     */
    static void backwardWeight(ExecutionContext ctx, float[] dy, int dyOff, float[] x, int xOff, int m, int n, int k,
                               float[] dw, int dwOff) {
        int groups = (n + MR - 1) / MR;
        int strips = (k + NR - 1) / NR;
        int mBlocks = (m + KC - 1) / KC;
        int mcMax = (m + mBlocks - 1) / mBlocks;
        // B: full strips are read from x in place (row stride k); only a ragged last strip is copied, zero-padded
        int full = k / NR;
        float[] xs = full == strips ? null : packStrip(x, xOff, m, k, full);
        Scratch scratch = new Scratch(ctx, GB * MR * mcMax, MR * NR);
        ctx.parallelFor(groups, 1, (thread, g0, g1) -> {
            float[] at = scratch.a(thread);
            float[] tile = scratch.tile(thread);
            for (int ic = 0; ic < m; ic += mcMax) {
                int mc = Math.min(mcMax, m - ic);
                for (int gb = g0; gb < g1; gb += GB) {
                    int gEnd = Math.min(g1, gb + GB);
                    int width = (gEnd - gb) * MR;
                    int valid = Math.min(width, n - gb * MR);
                    // A: at[i·width + jj] = dy[ic + i, gb·MR + jj]; columns past n are zero
                    for (int i = 0; i < mc; i++) {
                        System.arraycopy(dy, dyOff + (ic + i) * n + gb * MR, at, i * width, valid);
                        if (valid < width) {
                            java.util.Arrays.fill(at, i * width + valid, (i + 1) * width, 0f);
                        }
                    }
                    for (int s = 0; s < strips; s++) {
                        int c0 = s * NR;
                        int cols = Math.min(NR, k - c0);
                        for (int g = gb; g < gEnd; g++) {
                            if (s < full) {
                                kernel8T(at, (g - gb) * MR, width, x, xOff + ic * k + c0, k, mc, tile);
                            } else {
                                kernel8T(at, (g - gb) * MR, width, xs, ic * NR, NR, mc, tile);
                            }
                            storeTile(tile, Math.min(MR, n - g * MR), cols, dw, dwOff + g * MR * k + c0, k, true);
                        }
                    }
                }
            }
        });
    }

    /** xs[i·NR + c] = x[i, s·NR + c] for the strip s, zero past k. */
    static float[] packStrip(float[] x, int xOff, int m, int k, int s) {
        float[] xs = new float[m * NR];
        int cols = k - s * NR;
        for (int i = 0; i < m; i++) {
            System.arraycopy(x, xOff + i * k + s * NR, xs, i * NR, cols);
        }
        return xs;
    }

    /**
     * {@link #linear} for a small W: A = 8 rows of x read in place, B = Wᵀ widened and packed once per call
     * in NR-column panels (wt[(j / NR)·k·NR + p·NR + j % NR] = W[j, p], zero-padded past n), C = tiles of y stored
     * row by row (vector stores, no transposition).
     */
    static void linearSmallW(ExecutionContext ctx, float[] x, int xOff, int m, int k, Tensor w, float[] y, int yOff,
                             boolean accumulate) {
        int n = w.rows();
        int np = (n + NR - 1) / NR * NR;
        float[] wt = new float[k * np];
        float[] row = new float[k];
        for (int j = 0; j < n; j++) {
            MatMul.loadRow(w.data(), w.dtype(), (long) j * k, k, row, 0);
            int panel = j / NR * k * NR + j % NR;
            for (int p = 0; p < k; p++) {
                wt[panel + p * NR] = row[p];
            }
        }
        int groups = (m + MR - 1) / MR;
        Scratch scratch = new Scratch(ctx, 0, MR * NR);
        ctx.parallelFor(groups, Math.max(1, 16384 / Math.max(1, k * np)), (thread, g0, g1) -> {
            float[] tile = scratch.tile(thread);
            for (int g = g0; g < g1; g++) {
                int i0 = g * MR;
                int rows = Math.min(MR, m - i0);
                for (int c0 = 0; c0 < n; c0 += NR) {
                    int cols = Math.min(NR, n - c0);
                    if (rows == MR) {
                        kernel8(x, xOff + i0 * k, k, wt, c0 * k, k, tile, 0);
                        storeTile(tile, MR, cols, y, yOff + i0 * n + c0, n, accumulate);
                    } else {
                        for (int r = 0; r < rows; r++) {
                            kernel1(x, xOff + (i0 + r) * k, wt, c0 * k, NR, k, tile);
                            storeTile(tile, 1, cols, y, yOff + (i0 + r) * n + c0, n, accumulate);
                        }
                    }
                }
            }
        });
    }

    /**
     * xp[(panel·k + p)·NR + lane] = x[panel·NR + lane, p]: xᵀ in NR-row panels, lanes past m zero. Each panel is
     * written by one thread.
     */
    static float[] packTransposed(ExecutionContext ctx, float[] x, int xOff, int m, int k, int panels) {
        float[] xp = new float[panels * k * NR];
        ctx.parallelFor(panels, Math.max(1, 4096 / Math.max(1, k)), (p0, p1) -> {
            for (int ip = p0; ip < p1; ip++) {
                int lanes = Math.min(NR, m - ip * NR);
                int base = ip * k * NR;
                for (int lane = 0; lane < lanes; lane++) {
                    int src = xOff + (ip * NR + lane) * k;
                    for (int p = 0; p < k; p++) {
                        xp[base + p * NR + lane] = x[src + p];
                    }
                }
            }
        });
        return xp;
    }

    /** y[lane, r] (+)= tile[r, lane] for r < rows, lane < lanes (tile rows NR apart); y row stride ldy. */
    static void storeTransposed(float[] tile, int rows, int lanes, float[] y, int yo, int ldy, boolean add) {
        for (int lane = 0; lane < lanes; lane++) {
            int o = yo + lane * ldy;
            if (add) {
                for (int r = 0; r < rows; r++) {
                    y[o + r] += tile[r * NR + lane];
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    y[o + r] = tile[r * NR + lane];
                }
            }
        }
    }

    /** c[r, col] (+)= tile[r, col] for r < rows, col < cols; c row stride ldc. */
    static void storeTile(float[] tile, int rows, int cols, float[] c, int co, int ldc, boolean add) {
        for (int r = 0; r < rows; r++) {
            int o = co + r * ldc;
            if (add) {
                MatMul.axpy(1f, tile, r * NR, c, o, cols);
            } else {
                System.arraycopy(tile, r * NR, c, o, cols);
            }
        }
    }

    /**
     * Per-thread work buffers of one call, allocated on a thread's first chunk: a job has up to 8 chunks per
     * thread, and allocating (and zeroing) a 256 KiB buffer per chunk cost a few percent of a prefill GEMM.
     */
    private static final class Scratch {
        private final float[][] a;
        private final float[][] tiles;
        private final int sizeA;
        private final int sizeTile;

        Scratch(ExecutionContext ctx, int sizeA, int sizeTile) {
            this.a = new float[ctx.threads()][];
            this.tiles = new float[ctx.threads()][];
            this.sizeA = sizeA;
            this.sizeTile = sizeTile;
        }

        float[] a(int thread) {
            if (a[thread] == null) {
                a[thread] = new float[sizeA];
            }
            return a[thread];
        }

        float[] tile(int thread) {
            if (tiles[thread] == null) {
                tiles[thread] = new float[sizeTile];
            }
            return tiles[thread];
        }
    }

    /**
     * The micro-kernel: tile[to + r·NR + c] = Σ_{p<kc} A[r, p] · B[p, c] for r < 8, c < NR, with
     * A[r, p] = a[ao + r·lda + p] and B[p, c] = b[bo + p·NR + c] (B packed in NR-wide panels: with B's stride
     * a parameter, C2 kept a bounds check and a multiply on B's index in every step, 233 against 253 GFLOP/s). Sixteen
     * accumulators, two B loads and eight broadcasts per step; written out by hand because the JIT keeps named
     * locals in registers but not arrays of vectors. It always starts from zero and overwrites its tile: with a data-dependent "accumulate into C" branch the JIT sometimes
     * failed to intrinsify the final stores and boxed the vectors (measured: 25–35 instead of ~260 GFLOP/s),
     * while copying or adding the 8 × NR tile afterwards costs under 1% at kc ≥ 256.
     */
    static void kernel8(float[] a, int ao, int lda, float[] b, int bo, int kc, float[] tile, int to) {
        FloatVector z = FloatVector.zero(MatMul.F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(MatMul.F, b, bp);
            FloatVector b1 = FloatVector.fromArray(MatMul.F, b, bp + L);
            int ap = ao + p;
            FloatVector s = FloatVector.broadcast(MatMul.F, a[ap]);
            c00 = b0.fma(s, c00);
            c01 = b1.fma(s, c01);
            s = FloatVector.broadcast(MatMul.F, a[ap + lda]);
            c10 = b0.fma(s, c10);
            c11 = b1.fma(s, c11);
            s = FloatVector.broadcast(MatMul.F, a[ap + 2 * lda]);
            c20 = b0.fma(s, c20);
            c21 = b1.fma(s, c21);
            s = FloatVector.broadcast(MatMul.F, a[ap + 3 * lda]);
            c30 = b0.fma(s, c30);
            c31 = b1.fma(s, c31);
            s = FloatVector.broadcast(MatMul.F, a[ap + 4 * lda]);
            c40 = b0.fma(s, c40);
            c41 = b1.fma(s, c41);
            s = FloatVector.broadcast(MatMul.F, a[ap + 5 * lda]);
            c50 = b0.fma(s, c50);
            c51 = b1.fma(s, c51);
            s = FloatVector.broadcast(MatMul.F, a[ap + 6 * lda]);
            c60 = b0.fma(s, c60);
            c61 = b1.fma(s, c61);
            s = FloatVector.broadcast(MatMul.F, a[ap + 7 * lda]);
            c70 = b0.fma(s, c70);
            c71 = b1.fma(s, c71);
        }
        c00.intoArray(tile, to);
        c01.intoArray(tile, to + L);
        c10.intoArray(tile, to + NR);
        c11.intoArray(tile, to + NR + L);
        c20.intoArray(tile, to + 2 * NR);
        c21.intoArray(tile, to + 2 * NR + L);
        c30.intoArray(tile, to + 3 * NR);
        c31.intoArray(tile, to + 3 * NR + L);
        c40.intoArray(tile, to + 4 * NR);
        c41.intoArray(tile, to + 4 * NR + L);
        c50.intoArray(tile, to + 5 * NR);
        c51.intoArray(tile, to + 5 * NR + L);
        c60.intoArray(tile, to + 6 * NR);
        c61.intoArray(tile, to + 6 * NR + L);
        c70.intoArray(tile, to + 7 * NR);
        c71.intoArray(tile, to + 7 * NR + L);
    }

    /**
     * {@link #kernel8} with A stored column by column: A[r, p] = a[ao + p·lda + r], the eight A values of a step
     * side by side (dy's columns in {@code backwardWeight}, Pᵀ and dSᵀ in attention's backward).
     */
    static void kernel8T(float[] a, int ao, int lda, float[] b, int bo, int ldb, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(MatMul.F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(MatMul.F, b, bp);
            FloatVector b1 = FloatVector.fromArray(MatMul.F, b, bp + L);
            int ap = ao + p * lda;
            FloatVector s = FloatVector.broadcast(MatMul.F, a[ap]);
            c00 = b0.fma(s, c00);
            c01 = b1.fma(s, c01);
            s = FloatVector.broadcast(MatMul.F, a[ap + 1]);
            c10 = b0.fma(s, c10);
            c11 = b1.fma(s, c11);
            s = FloatVector.broadcast(MatMul.F, a[ap + 2]);
            c20 = b0.fma(s, c20);
            c21 = b1.fma(s, c21);
            s = FloatVector.broadcast(MatMul.F, a[ap + 3]);
            c30 = b0.fma(s, c30);
            c31 = b1.fma(s, c31);
            s = FloatVector.broadcast(MatMul.F, a[ap + 4]);
            c40 = b0.fma(s, c40);
            c41 = b1.fma(s, c41);
            s = FloatVector.broadcast(MatMul.F, a[ap + 5]);
            c50 = b0.fma(s, c50);
            c51 = b1.fma(s, c51);
            s = FloatVector.broadcast(MatMul.F, a[ap + 6]);
            c60 = b0.fma(s, c60);
            c61 = b1.fma(s, c61);
            s = FloatVector.broadcast(MatMul.F, a[ap + 7]);
            c70 = b0.fma(s, c70);
            c71 = b1.fma(s, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** One row of {@link #kernel8} into tile[0, NR) (overwritten): the ragged last rows of dx. */
    static void kernel1(float[] a, int ao, float[] b, int bo, int ldb, int kc, float[] tile) {
        FloatVector c0 = FloatVector.zero(MatMul.F);
        FloatVector c1 = c0;
        for (int p = 0; p < kc; p++) {
            FloatVector s = FloatVector.broadcast(MatMul.F, a[ao + p]);
            int bp = bo + p * ldb;
            c0 = FloatVector.fromArray(MatMul.F, b, bp).fma(s, c0);
            c1 = FloatVector.fromArray(MatMul.F, b, bp + L).fma(s, c1);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
    }
}
