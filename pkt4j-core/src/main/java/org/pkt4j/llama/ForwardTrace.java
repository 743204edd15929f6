package org.pkt4j.llama;

/**
 * Observer of the forward pass at chosen positions (PKT-SPEC §2): for each layer and each position it
 * asks for, it receives a {@link LayerTrace}. The default observes nothing and costs nothing.
 */
public interface ForwardTrace {

    ForwardTrace NONE = new ForwardTrace() {
    };

    /** Positions (indices into this call's ids), ascending; empty to observe nothing. */
    default int[] positions() {
        return new int[0];
    }

    /** Called once per layer and traced position, in layer order. */
    default void onLayer(LayerTrace t) {
    }

    /** The last layer's output before the final norm at a traced position, and the logits when computed there. */
    default void onFinal(int position, float[] hidden) {
    }

    /** A trace of the last position only (what attribution reads). */
    static int[] last(int n) {
        return new int[] {n - 1};
    }
}
