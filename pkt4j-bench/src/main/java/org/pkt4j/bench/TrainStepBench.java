package org.pkt4j.bench;

/**
 * Extension point for the "train-step tokens/s" section of {@code pkt bench}: forward with an activation
 * store, {@code LlamaBackward}, then an AdamW step over all parameters, timed per token. The backward pass is
 * not on this branch yet, so {@link #measure} reports the section as not measured rather than timing
 * something else under that name. To fill it in: build the forward as {@link ModelBench} does, run
 * {@code LlamaBackward.backward} on {@code CausalLmLoss.lossOnRows} gradients, apply AdamW, and return
 * tokens per second of whole steps (median of {@code repeats}).
 */
public final class TrainStepBench {
    private TrainStepBench() {
    }

    /** One train-step measurement, or why there is none. */
    public record Result(String dtype, int threads, int tokens, Double tokensPerSecond, String note) {
    }

    public static Result measure(String dtype, int threads, int tokens) {
        return new Result(dtype, threads, tokens, null, "not measured: LlamaBackward is not on this branch yet");
    }
}
