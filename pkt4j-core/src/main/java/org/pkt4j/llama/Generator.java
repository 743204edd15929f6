package org.pkt4j.llama;

import java.util.Arrays;

/**
 * Autoregressive generation: one batched prefill of the prompt into a KV cache, then one token per step
 * (the matrix-vector decode path), stopping at EOS or after {@code maxNewTokens}. With a greedy
 * {@link Sampler} this is Hugging Face's {@code generate(do_sample=False)}: the first index of the maximum
 * logit at each step.
 */
public final class Generator {
    private final LlamaForward forward;
    private final Adapters adapters;

    public Generator(LlamaForward forward) {
        this(forward, Adapters.NONE);
    }

    public Generator(LlamaForward forward, Adapters adapters) {
        this.forward = forward;
        this.adapters = adapters;
    }

    /** Receives each generated id as it is chosen (for streaming output); may be a no-op. */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id);
    }

    /** Receives each generated id with the logits [V] it was chosen from (the array is not reused). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int id, float[] logits);
    }

    /**
     * Generates after {@code prompt}.
     *
     * @return the generated ids (EOS included when generation stopped on it)
     */
    public int[] generate(int[] prompt, int maxNewTokens, Sampler sampler, boolean stopOnEos, TokenListener listener) {
        return run(prompt, maxNewTokens, sampler, stopOnEos, (id, logits) -> listener.onToken(id), false);
    }

    /**
     * Generates after {@code prompt}, reporting each step's logits.
     *
     * @return the generated ids (EOS included when generation stopped on it)
     */
    public int[] generate(int[] prompt, int maxNewTokens, Sampler sampler, boolean stopOnEos, StepListener listener) {
        return run(prompt, maxNewTokens, sampler, stopOnEos, listener, true);
    }

    /**
     * The generation loop. Decode steps reuse one {@link LlamaForward.Workspace}, logits included, so the
     * listener gets a copy only when {@code copyLogits} (a {@link StepListener} may keep them).
     */
    private int[] run(int[] prompt, int maxNewTokens, Sampler sampler, boolean stopOnEos, StepListener listener, boolean copyLogits) {
        LlamaConfig c = forward.model().config();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt: at least one token id is needed");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        int[] out = new int[maxNewTokens];
        if (maxNewTokens == 0) {
            return out;
        }
        // the last generated token is never fed back, so the cache needs prompt + maxNewTokens - 1 positions
        KvCache cache = new KvCache(c, prompt.length + maxNewTokens - 1);
        LlamaForward.Workspace work = new LlamaForward.Workspace(c, 1, 1);
        int[] step = new int[1];
        int n = 0;
        float[] logits = forward.forward(prompt, cache, adapters, ForwardTrace.NONE, null, new int[] {prompt.length - 1}, work);
        while (true) {
            int next = sampler.sample(logits, 0, c.vocabSize());
            out[n++] = next;
            listener.onStep(next, copyLogits ? logits.clone() : logits);
            if ((stopOnEos && c.isEos(next)) || n == maxNewTokens) {
                break;
            }
            step[0] = next;
            logits = forward.forward(step, cache, adapters, ForwardTrace.NONE, null, null, work);
        }
        return Arrays.copyOf(out, n);
    }
}
