package org.pkt4j.llama;

/**
 * One layer at one position (fresh arrays, owned by the receiver).
 *
 * @param layer           l
 * @param position        index into the call's ids
 * @param layerInput      x_l, the residual stream entering the layer [d]
 * @param attnOutput      a_l, the o_proj output [d]
 * @param residual        r_l = x_l + a_l [d]
 * @param mlpOutput       m_l, the down_proj output [d]
 * @param layerOutput     h_l = r_l + m_l [d]
 * @param mlpCoefficients c_l = silu(W_gate z) * (W_up z), the down_proj input [f]
 * @param attnWeights     p_h(position -> j) for each head h and key j <= position [H][keys]
 * @param values          the layer's value cache (positions x kvDim), for the sub-values
 * @param headDim         hd
 * @param groupSize       query heads per kv head
 */
public record LayerTrace(int layer, int position, float[] layerInput, float[] attnOutput, float[] residual,
                         float[] mlpOutput, float[] layerOutput, float[] mlpCoefficients, float[][] attnWeights,
                         float[] values, int kvDim, int headDim, int groupSize) {

    /** s_l[h] at key j: p_h(position -> j) * v_{h}(j), the head's weighted value vector [hd] (values after repeat_kv). */
    public float[] attnSubValue(int head, int key) {
        float p = attnWeights[head][key];
        int g = head / groupSize;
        float[] out = new float[headDim];
        int base = key * kvDim + g * headDim;
        for (int e = 0; e < headDim; e++) {
            out[e] = p * values[base + e];
        }
        return out;
    }
}
