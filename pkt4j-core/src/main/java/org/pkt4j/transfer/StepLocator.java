package org.pkt4j.transfer;

import java.util.List;
import org.pkt4j.attribution.ExampleScores;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.LocateProgress;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.NeuronAttribution;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;

/**
 * LaTen's per-step locate (PKT-SPEC §4, training 1.): step k locates the source and the target on extract
 * example k alone and pairs the two selections. The reference re-runs attribution on both models every step;
 * a selection from one example depends only on that example's scores, so every example is scored once per
 * model up front (the example-independent vocabulary projections then shared by all of them) and each step
 * selects from its own example's scores — the same selections, for the cost of one batched scoring pass.
 *
 * @param source       the source model S
 * @param target       the target model T
 * @param options      counts, layers, compat, modules
 * @param sourceScores S's unrounded scores of every extract example, in order
 * @param targetScores T's, likewise
 */
public record StepLocator(Llama source, Llama target, LocateOptions options, List<ExampleScores> sourceScores,
                          List<ExampleScores> targetScores) {

    public StepLocator {
        if (sourceScores.size() != targetScores.size()) {
            throw new IllegalArgumentException("scores for " + sourceScores.size() + " source and " + targetScores.size()
                    + " target examples");
        }
        options.checkModel(source.config(), "source");
        options.checkModel(target.config(), "target");
        sourceScores = List.copyOf(sourceScores);
        targetScores = List.copyOf(targetScores);
    }

    /** Scores every example on both models (exact or fast, as the options say). */
    public static StepLocator score(Llama source, Llama target, List<LocateExample> examples, LocateOptions options,
                                    ExecutionContext ctx, LocateProgress sourceProgress, LocateProgress targetProgress) {
        options.checkModel(source.config(), "source");
        options.checkModel(target.config(), "target");
        List<ExampleScores> s = new NeuronAttribution(source, ctx, options.compat(), options.mode()).score(examples, sourceProgress);
        List<ExampleScores> t = new NeuronAttribution(target, ctx, options.compat(), options.mode()).score(examples, targetProgress);
        return new StepLocator(source, target, options, s, t);
    }

    public int examples() {
        return sourceScores.size();
    }

    /** S's selection on example k. */
    public Located locateSource(int k) {
        return Located.of(source.config(), List.of(sourceScores.get(k)), options);
    }

    /** T's selection on example k. */
    public Located locateTarget(int k) {
        return Located.of(target.config(), List.of(targetScores.get(k)), options);
    }

    /** Step k's plan: both selections on example k paired, and S's knowledge extracted. */
    public TransferPlan plan(int k) {
        return TransferPlan.build(source, locateSource(k), locateTarget(k), options.modules());
    }
}
