package org.pkt4j.train;

import java.util.Arrays;

/**
 * One trainable fp32 tensor and its gradient buffer (same length, row-major), as the optimizer sees it.
 * The value array is what the forward pass reads (a full-fine-tuning weight, a LoRA factor, a hypernetwork
 * matrix), so an optimizer step is visible to the next forward without copying.
 *
 * @param name  a stable name (checkpoint key); for model weights the Hugging Face tensor name
 * @param value the parameter, updated in place
 * @param grad  ∂L/∂value, accumulated by backward passes and cleared by the trainer
 * @param shape the logical shape (for checkpoints and exports)
 * @param decay whether weight decay applies (off for norms and biases, as Hugging Face's Trainer does)
 */
public record Param(String name, float[] value, float[] grad, long[] shape, boolean decay) {

    public Param {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (value.length != n || grad.length != n) {
            throw new IllegalArgumentException("parameter " + name + ": shape " + Arrays.toString(shape) + " has " + n
                    + " elements, value has " + value.length + ", grad " + grad.length);
        }
    }

    public int size() {
        return value.length;
    }
}
