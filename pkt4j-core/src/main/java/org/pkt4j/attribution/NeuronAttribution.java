package org.pkt4j.attribution;

import java.util.ArrayList;
import java.util.List;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.LogSumExpAxpy;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.tensor.kernel.Ops;

/**
 * Static neuron attribution (LaTen's locate, PKT-SPEC §2): per example and layer, the layer scores and every
 * FFN and attention neuron's score, unrounded. The reference's accumulation quirks live in
 * {@link AttributionScores}.
 *
 * <p>Exact mode never calls the LM head once per neuron. With base = W_lm(g ⊙ r)·s and w_k the neuron's
 * column of W_down (or W_o), W_lm(g ⊙ (r + c_k w_k))·s = base + c_k·s·Y[:, k] where
 * {@code Y = W_lm diag(g) W_down} [V, f] does not depend on the example. Y is computed in blocks of
 * {@value #BLOCK} columns ({@code MatMul.linear} of a small fp32 block {@code (g ⊙ w_k)ᵀ} against the mapped
 * W_lm), never materialised whole, and every block is shared by all examples of a batch; then one shifted
 * log-sum-exp per (example, neuron) against the example's log-normalised base row:
 * {@code score = α·Y[y, k] − LSE(log_softmax(base) + α·Y[:, k])}, α = c_k·s.
 *
 * <p>Fast mode is the first-order linearisation {@code R(r + v) − R(r) ≈ ∇R(r)·v} with
 * {@code ∇R(r) = s·g ⊙ W_lmᵀ(e_y − softmax(base))}: one gradient per layer and example, then one product with
 * W_down (or W_o) gives every neuron's score. It is an approximation and is labelled so.
 */
public final class NeuronAttribution {
    /** Examples whose projections are shared per pass, by default: bounds the base rows kept (3·V floats each). */
    public static final int DEFAULT_BATCH = 64;
    /** Neurons per block of the vocabulary projection Y (the block holds BLOCK·V floats). */
    static final int BLOCK = 128;

    private final Llama model;
    private final LlamaConfig c;
    private final ExecutionContext ctx;
    private final Readout readout;
    private final AttributionMode mode;
    private final int batch;
    private final LlamaForward forward;

    public NeuronAttribution(Llama model, ExecutionContext ctx, ReadoutCompat compat, AttributionMode mode) {
        this(model, ctx, compat, mode, DEFAULT_BATCH);
    }

    /** @param batch examples scored together (sharing each projection block); memory grows with it */
    public NeuronAttribution(Llama model, ExecutionContext ctx, ReadoutCompat compat, AttributionMode mode, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.model = model;
        this.c = model.config();
        this.ctx = ctx;
        this.readout = new Readout(model, compat);
        this.mode = mode;
        this.batch = batch;
        this.forward = new LlamaForward(model, ctx);
    }

    public AttributionMode mode() {
        return mode;
    }

    public Readout readout() {
        return readout;
    }

    /** The scores of one example. */
    public ExampleScores score(LocateExample example) {
        return score(List.of(example), LocateProgress.NONE).getFirst();
    }

    /**
     * The scores of each example, in order. Examples are processed in batches of {@code batch}; within a
     * batch every example-independent projection is computed once.
     */
    public List<ExampleScores> score(List<LocateExample> examples, LocateProgress progress) {
        for (LocateExample e : examples) {
            e.checkVocab(c.vocabSize());
        }
        List<ExampleScores> out = new ArrayList<>(examples.size());
        for (int from = 0; from < examples.size(); from += batch) {
            int to = Math.min(examples.size(), from + batch);
            List<ExampleTrace> traces = new ArrayList<>();
            for (int i = from; i < to; i++) {
                traces.add(ExampleTrace.of(forward, examples.get(i).contextIds()));
                progress.traced(i + 1, examples.size());
            }
            out.addAll(scoreBatch(examples.subList(from, to), traces, from, examples.size(), progress));
        }
        return out;
    }

    /** Scores already-traced examples (one batch). */
    List<ExampleScores> scoreBatch(List<LocateExample> examples, List<ExampleTrace> traces, int first, int total,
                                   LocateProgress progress) {
        final int E = examples.size(), L = c.numLayers(), d = c.hiddenSize(), V = c.vocabSize();
        final int f = c.intermediateSize(), qd = c.qDim();
        int[] y = new int[E];
        float[] scale = new float[E];
        double[][] attnLayer = new double[E][L], ffnLayer = new double[E][L];
        float[][][] ffn = new float[E][L][], attn = new float[E][L][];
        for (int e = 0; e < E; e++) {
            y[e] = examples.get(e).targetId();
            scale[e] = (float) readout.scale(traces.get(e).finalHidden());
        }
        Tensor lmHead = readout.lmHead();
        // rows 3e, 3e+1, 3e+2: the LM-head inputs, then logits, then log-probabilities of x_l, r_l, h_l
        float[] headIn = new float[3 * E * d];
        float[] base = new float[Math.multiplyExact(3 * E, V)];
        double[] logProb = new double[3 * E];
        Workspace ws = mode == AttributionMode.EXACT ? new Workspace(d, V) : null;
        for (int l = 0; l < L; l++) {
            for (int e = 0; e < E; e++) {
                ExampleTrace t = traces.get(e);
                readout.headInput(t.x()[l], scale[e], headIn, (3 * e) * d);
                readout.headInput(t.r()[l], scale[e], headIn, (3 * e + 1) * d);
                readout.headInput(t.h()[l], scale[e], headIn, (3 * e + 2) * d);
            }
            MatMul.linear(ctx, headIn, 0, 3 * E, d, lmHead, base, 0, false);
            ctx.parallelFor(3 * E, 1, (from, to) -> {
                for (int row = from; row < to; row++) {
                    // log_softmax in place: base row − LSE(base row); R = that at y
                    int o = row * V;
                    double lse = Ops.logSumExp(base, o, V);
                    logProb[row] = base[o + y[row / 3]] - lse;
                    float shift = (float) lse;
                    for (int i = 0; i < V; i++) {
                        base[o + i] -= shift;
                    }
                }
            });
            float[][] cl = new float[E][], sl = new float[E][];
            for (int e = 0; e < E; e++) {
                // A_l = R(x_l + a_l) − R(x_l); F_l = R(r_l + m_l) − R(r_l)
                attnLayer[e][l] = logProb[3 * e + 1] - logProb[3 * e];
                ffnLayer[e][l] = logProb[3 * e + 2] - logProb[3 * e + 1];
                cl[e] = traces.get(e).c()[l];
                sl[e] = traces.get(e).s()[l];
                ffn[e][l] = new float[f];
                attn[e][l] = new float[qd];
            }
            float[][] ffnOut = column(ffn, l), attnOut = column(attn, l);
            Tensor down = model.weight(l, Module.DOWN), o = model.weight(l, Module.O);
            if (mode == AttributionMode.EXACT) {
                // FFN neurons move r_l along W_down's columns; attention neurons move x_l along W_o's columns
                exact(ws, down, cl, base, 1, y, scale, ffnOut);
                exact(ws, o, sl, base, 0, y, scale, attnOut);
            } else {
                fast(down, o, cl, sl, base, y, scale, ffnOut, attnOut);
            }
            progress.scored(l + 1, L, first, first + E, total);
        }
        List<ExampleScores> out = new ArrayList<>(E);
        for (int e = 0; e < E; e++) {
            out.add(new ExampleScores(examples.get(e).id(), attnLayer[e], ffnLayer[e], ffn[e], attn[e]));
        }
        return out;
    }

    /**
     * Exact scores of the neurons of one module: out[e][k] = α·Y[y_e, k] − LSE(lp_e + α·Y[:, k]) with
     * α = coef[e][k]·s_e, Y[:, k] = W_lm (g ⊙ w[:, k]), lp_e the log-normalised base row {@code 3e + which}.
     */
    private void exact(Workspace ws, Tensor w, float[][] coef, float[] lp, int which, int[] y, float[] scale,
                       float[][] out) {
        final int d = c.hiddenSize(), V = c.vocabSize(), n = w.cols(), E = coef.length;
        float[] g = readout.normWeight();
        for (int k0 = 0; k0 < n; k0 += BLOCK) {
            final int start = k0, nb = Math.min(BLOCK, n - k0);
            // X[kk, i] = g_i · w[i, k0 + kk]: the block's columns, scaled by the final norm weight, as fp32 rows
            for (int i = 0; i < d; i++) {
                MatMul.loadRow(w.data(), w.dtype(), (long) i * n + k0, nb, ws.column);
                for (int kk = 0; kk < nb; kk++) {
                    ws.x[kk * d + i] = g[i] * ws.column[kk];
                }
            }
            // Y block [nb, V] = X · W_lmᵀ, shared by every example of the batch
            MatMul.linear(ctx, ws.x, 0, nb, d, readout.lmHead(), ws.y, 0, false);
            ctx.parallelFor(nb * E, 1, (from, to) -> {
                for (int item = from; item < to; item++) {
                    int kk = item / E, e = item % E;
                    float alpha = coef[e][start + kk] * scale[e];
                    int yo = kk * V;
                    double lse = LogSumExpAxpy.logSumExp(lp, (3 * e + which) * V, alpha, ws.y, yo, V);
                    out[e][start + kk] = (float) ((double) alpha * ws.y[yo + y[e]] - lse);
                }
            });
        }
    }

    /**
     * Linearised scores: G = s·g ⊙ W_lmᵀ(e_y − softmax) at r_l (FFN) and x_l (attention), then
     * score_k ≈ c_k·(W_downᵀ G_r)_k and s_j·(W_oᵀ G_x)_j.
     */
    private void fast(Tensor down, Tensor o, float[][] cl, float[][] sl, float[] lp, int[] y, float[] scale,
                      float[][] ffnOut, float[][] attnOut) {
        final int d = c.hiddenSize(), V = c.vocabSize(), E = cl.length;
        float[] g = readout.normWeight();
        // rows e: e_y − p at x_l; rows E + e: at r_l
        float[] dy = new float[Math.multiplyExact(2 * E, V)];
        ctx.parallelFor(2 * E, 1, (from, to) -> {
            for (int row = from; row < to; row++) {
                int e = row % E, src = (3 * e + (row < E ? 0 : 1)) * V, dst = row * V;
                for (int i = 0; i < V; i++) {
                    dy[dst + i] = (float) -Math.exp(lp[src + i]);
                }
                dy[dst + y[e]] += 1f;
            }
        });
        float[] grad = new float[2 * E * d];
        MatMul.linearBackwardInput(ctx, dy, 0, 2 * E, V, readout.lmHead(), grad, 0, false);
        for (int row = 0; row < 2 * E; row++) {
            float s = scale[row % E];
            for (int i = 0; i < d; i++) {
                grad[row * d + i] *= s * g[i];
            }
        }
        int f = down.cols(), qd = o.cols();
        float[] ffnDir = new float[E * f], attnDir = new float[E * qd];
        MatMul.linearBackwardInput(ctx, grad, E * d, E, d, down, ffnDir, 0, false);
        MatMul.linearBackwardInput(ctx, grad, 0, E, d, o, attnDir, 0, false);
        for (int e = 0; e < E; e++) {
            for (int k = 0; k < f; k++) {
                ffnOut[e][k] = cl[e][k] * ffnDir[e * f + k];
            }
            for (int j = 0; j < qd; j++) {
                attnOut[e][j] = sl[e][j] * attnDir[e * qd + j];
            }
        }
    }

    /** out[e] = scores[e][l]. */
    private static float[][] column(float[][][] scores, int l) {
        float[][] out = new float[scores.length][];
        for (int e = 0; e < scores.length; e++) {
            out[e] = scores[e][l];
        }
        return out;
    }

    /** The exact mode's planned buffers: one transposed block, its vocabulary projection, one column strip. */
    private static final class Workspace {
        final float[] x, y, column;

        Workspace(int d, int V) {
            x = new float[BLOCK * d];
            y = new float[Math.multiplyExact(BLOCK, V)];
            column = new float[BLOCK];
        }
    }
}
