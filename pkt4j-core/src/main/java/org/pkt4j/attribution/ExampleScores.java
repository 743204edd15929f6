package org.pkt4j.attribution;

/**
 * The unrounded attribution scores of one example (PKT-SPEC §2), for every layer.
 *
 * @param exampleId the example's name
 * @param attnLayer A_l = R(x_l + a_l) − R(x_l) [L]
 * @param ffnLayer  F_l = R(r_l + m_l) − R(r_l) [L]
 * @param ffn       R(r_l + c_l[k]·W_down[:, k]) − R(r_l) [L][f] (or its linearisation in fast mode)
 * @param attn      R(x_l + s_l[h][e]·W_o[:, h·hd + e]) − R(x_l) at index h·hd + e [L][H·hd] (or its linearisation)
 */
public record ExampleScores(String exampleId, double[] attnLayer, double[] ffnLayer, float[][] ffn, float[][] attn) {

    public int layers() {
        return attnLayer.length;
    }
}
