package org.pkt4j.attribution;

/**
 * Progress of an attribution run. Examples are traced one by one (a forward pass each), then scored layer by
 * layer in batches that share the example-independent projections, so progress arrives in both units.
 */
public interface LocateProgress {

    LocateProgress NONE = new LocateProgress() {
    };

    /** Example {@code done} of {@code total} has been traced (its forward pass is done). */
    default void traced(int done, int total) {
    }

    /** Layer {@code layer} (1-based) of {@code layers} is scored for examples [from, to) of {@code total}. */
    default void scored(int layer, int layers, int from, int to, int total) {
    }
}
