package org.pkt4j.train;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Updates parameters in place from their gradients. The state (moments, step count) is keyed by parameter
 * name so that a checkpoint can save and restore it.
 */
public interface Optimizer {

    /**
     * One update of every parameter.
     *
     * @param lr       the learning rate of this step (from the schedule)
     * @param momentum the schedule's momentum for this step when it cycles one (AdamW's beta1, SGD's
     *                 momentum), replacing the configured value; empty to keep it
     */
    void step(ExecutionContext ctx, List<Param> params, double lr, OptionalDouble momentum);

    /** Steps taken so far. */
    long steps();

    /** The state arrays by key (not copies), for checkpoints; empty before the first step. */
    Map<String, float[]> state();

    /** Restores the state a checkpoint saved (the arrays are copied). */
    void restore(long steps, Map<String, float[]> state);

    /** The configuration, for manifests and logs. */
    Map<String, Object> describe();
}
