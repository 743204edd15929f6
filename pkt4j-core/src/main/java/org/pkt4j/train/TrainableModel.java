package org.pkt4j.train;

import java.util.List;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;

/**
 * What the {@link Trainer} trains: the model the forward reads, the adapters attached to it, which model
 * weights get gradients, and the parameters the optimizer updates (fp32, with their gradient buffers).
 * Implementations: {@link FullFineTune} (fp32 copies of chosen weights), {@link org.pkt4j.train.lora.Lora}.
 */
public interface TrainableModel {

    /** The model the forward and backward read (trained weights included). */
    Llama model();

    /** Adapters attached for training ({@link Adapters#NONE} when none). */
    Adapters adapters();

    /** The model weights that receive gradients (possibly none). */
    Gradients gradients();

    /** Everything the optimizer updates; each gradient buffer is filled by the backward. */
    List<Param> params();

    /** Called before each micro-batch with a seed derived from (run seed, step, micro-batch): dropout masks. */
    default void beginMicroBatch(long seed) {
    }

    /** Training mode (dropout on) or evaluation mode. */
    default void setTraining(boolean training) {
    }
}
