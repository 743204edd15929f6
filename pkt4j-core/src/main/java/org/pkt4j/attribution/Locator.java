package org.pkt4j.attribution;

import java.util.List;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;

/** Locate in one call: score the examples on a model, accumulate as the reference does, select. */
public final class Locator {
    private Locator() {
    }

    /**
     * Locates {@code model} on {@code examples}. For several independent locates of one model (LaTen locates
     * once per training step, on that step's example), score all examples once with
     * {@link NeuronAttribution#score(List, LocateProgress)} and call {@link Located#of} per subset: the
     * example-independent projections are then computed once.
     */
    public static Located locate(Llama model, List<LocateExample> examples, LocateOptions options, ExecutionContext ctx,
                                 LocateProgress progress) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to locate on");
        }
        options.checkModel(model.config(), "model");
        NeuronAttribution attribution = new NeuronAttribution(model, ctx, options.compat(), options.mode());
        return Located.of(model.config(), attribution.score(examples, progress), options);
    }
}
