package org.pkt4j.llama;

import org.pkt4j.tensor.Tensor;

/**
 * One decoder layer's weights, in the stored dtype ({@code [out, in]} row-major). Bias tensors are null
 * when the architecture has none.
 */
public record LayerWeights(
        Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o,
        Tensor qBias, Tensor kBias, Tensor vBias, Tensor oBias,
        Tensor postNorm, Tensor gate, Tensor up, Tensor down,
        Tensor gateBias, Tensor upBias, Tensor downBias) {

    public Tensor weight(Module m) {
        return switch (m) {
            case Q -> q;
            case K -> k;
            case V -> v;
            case O -> o;
            case GATE -> gate;
            case UP -> up;
            case DOWN -> down;
            default -> throw new IllegalArgumentException(m + " is not a per-layer module");
        };
    }

    public Tensor bias(Module m) {
        return switch (m) {
            case Q -> qBias;
            case K -> kBias;
            case V -> vBias;
            case O -> oBias;
            case GATE -> gateBias;
            case UP -> upBias;
            case DOWN -> downBias;
            default -> throw new IllegalArgumentException(m + " is not a per-layer module");
        };
    }
}
