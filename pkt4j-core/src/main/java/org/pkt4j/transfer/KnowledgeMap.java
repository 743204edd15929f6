package org.pkt4j.transfer;

import java.util.Map;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Maps extracted source vectors (width d_s: rows of up/v, columns of down/o) into the target's width d_t
 * (PKT-SPEC §4 "Align"): LaTen's trained {@link Hypernetwork}, or a fixed map of the direct-injection
 * baseline ({@link DirectMap}).
 */
public interface KnowledgeMap {

    /** d_s, the width of the vectors it reads. */
    int sourceDim();

    /** d_t, the width of the vectors it writes. */
    int targetDim();

    /** {@code count} vectors u [count, d_s] → [count, d_t]. */
    float[] map(ExecutionContext ctx, Module m, float[] u, int count);

    /** What the map is, for manifests and output provenance. */
    Map<String, Object> describe();

    /** A trained hypernetwork as a map (no gradients are kept). */
    static KnowledgeMap of(Hypernetwork h, Map<String, Object> description) {
        return new KnowledgeMap() {
            @Override
            public int sourceDim() {
                return h.sourceDim();
            }

            @Override
            public int targetDim() {
                return h.targetDim();
            }

            @Override
            public float[] map(ExecutionContext ctx, Module m, float[] u, int count) {
                return h.translate(ctx, m, u, count).output();
            }

            @Override
            public Map<String, Object> describe() {
                return description;
            }
        };
    }
}
