package org.pkt4j.attribution;

import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.LayerTrace;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;

/**
 * What attribution reads from one forward pass, at the LAST position only, per layer l (PKT-SPEC §2).
 * The attention sub-values are flattened in neuron order: {@code s[l][h·hd + e] = p_h(last → last) · v_h(last)[e]}
 * (only the last key's term, not the head output; a reference quirk).
 *
 * @param x      x_l, the layer input [L][d]
 * @param r      r_l = x_l + a_l [L][d]
 * @param h      h_l = r_l + m_l, the layer output [L][d]
 * @param c      c_l = silu(W_gate z) * (W_up z), the input of W_down [L][f]
 * @param s      the attention sub-values [L][H·hd]
 * @param finalHidden h_{L-1} at the last position (what the readout scale is computed from) [d]
 */
public record ExampleTrace(float[][] x, float[][] r, float[][] h, float[][] c, float[][] s, float[] finalHidden) {

    /** Runs the model on {@code contextIds} (one forward pass, no logits) and keeps the last position. */
    public static ExampleTrace of(LlamaForward forward, int[] contextIds) {
        LlamaConfig c = forward.model().config();
        int L = c.numLayers();
        int last = contextIds.length - 1;
        ExampleTrace out = new ExampleTrace(new float[L][], new float[L][], new float[L][], new float[L][], new float[L][],
                new float[c.hiddenSize()]);
        ForwardTrace observer = new ForwardTrace() {
            @Override
            public int[] positions() {
                return ForwardTrace.last(contextIds.length);
            }

            @Override
            public void onLayer(LayerTrace t) {
                int l = t.layer();
                out.x[l] = t.layerInput();
                out.r[l] = t.residual();
                out.h[l] = t.layerOutput();
                out.c[l] = t.mlpCoefficients();
                float[] sub = new float[c.qDim()];
                for (int head = 0; head < c.numHeads(); head++) {
                    System.arraycopy(t.attnSubValue(head, last), 0, sub, head * c.headDim(), c.headDim());
                }
                out.s[l] = sub;
            }

            @Override
            public void onFinal(int position, float[] hidden) {
                System.arraycopy(hidden, 0, out.finalHidden, 0, hidden.length);
            }
        };
        // no logit rows: the readout projects the traced vectors itself
        forward.forward(contextIds, new KvCache(c, contextIds.length), Adapters.NONE, observer, null, new int[0]);
        return out;
    }
}
