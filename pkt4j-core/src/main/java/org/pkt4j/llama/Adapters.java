package org.pkt4j.llama;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.tensor.ExecutionContext;

/**
 * The adapters attached to a model for one forward/backward: per (layer, module) a list of
 * {@link LinearAdapter}s, plus embedding adapters. {@link #NONE} attaches nothing.
 */
public final class Adapters {

    public static final Adapters NONE = new Adapters(Map.of(), List.of());

    private record Key(int layer, Module module) {
    }

    private final Map<Key, List<LinearAdapter>> linear;
    private final List<EmbeddingAdapter> embedding;

    private Adapters(Map<Key, List<LinearAdapter>> linear, List<EmbeddingAdapter> embedding) {
        this.linear = linear;
        this.embedding = embedding;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isEmpty() {
        return linear.isEmpty() && embedding.isEmpty();
    }

    /** Adapters on a module (layer ignored for LM_HEAD); empty list when none. */
    public List<LinearAdapter> on(int layer, Module m) {
        List<LinearAdapter> l = linear.get(new Key(m.perLayer() ? layer : -1, m));
        return l == null ? List.of() : l;
    }

    public List<EmbeddingAdapter> embedding() {
        return embedding;
    }

    /** y += Σ A(x) over the module's adapters. */
    public void forward(ExecutionContext ctx, int layer, Module m, float[] x, int rows, float[] y) {
        for (LinearAdapter a : on(layer, m)) {
            a.forward(ctx, x, rows, y);
        }
    }

    /** The backward of {@link #forward}: dx += Σ ∂A/∂x · dy, and each adapter's own gradients. */
    public void backward(ExecutionContext ctx, int layer, Module m, float[] x, float[] dy, int rows, float[] dx) {
        for (LinearAdapter a : on(layer, m)) {
            a.backward(ctx, x, dy, rows, dx);
        }
    }

    /** Lowest layer index that carries an adapter (numLayers when only EMBED/LM_HEAD or none do). */
    public int lowestLayer(int numLayers) {
        int low = embedding.isEmpty() ? numLayers : 0;
        for (Key k : linear.keySet()) {
            if (k.module == Module.EMBED) {
                return 0;
            }
            if (k.module.perLayer()) {
                low = Math.min(low, k.layer);
            }
        }
        return low;
    }

    public static final class Builder {
        private final Map<Key, List<LinearAdapter>> linear = new LinkedHashMap<>();
        private final List<EmbeddingAdapter> embedding = new ArrayList<>();

        public Builder add(int layer, Module m, LinearAdapter a) {
            if (m == Module.EMBED) {
                throw new IllegalArgumentException("embedding adapters are added with addEmbedding");
            }
            linear.computeIfAbsent(new Key(m.perLayer() ? layer : -1, m), k -> new ArrayList<>()).add(a);
            return this;
        }

        public Builder addEmbedding(EmbeddingAdapter a) {
            embedding.add(a);
            return this;
        }

        public Adapters build() {
            Map<Key, List<LinearAdapter>> m = new LinkedHashMap<>();
            linear.forEach((k, v) -> m.put(k, List.copyOf(v)));
            return new Adapters(Collections.unmodifiableMap(m), List.copyOf(embedding));
        }
    }
}
