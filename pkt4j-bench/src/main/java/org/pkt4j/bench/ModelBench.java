package org.pkt4j.bench;

import java.util.SplittableRandom;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Prefill and decode tokens/s of one model through {@link Generator}, the path {@code pkt generate} takes:
 * a batched forward over the prompt (logits of its last row only, as generation needs), then one token per
 * step with greedy sampling and no EOS stop. Each repeat starts from an empty cache; the reported numbers
 * are medians over repeats.
 */
public final class ModelBench {
    private ModelBench() {
    }

    /** Least time spent warming up before the first timed generation. */
    static final long WARM_UP_NANOS = 6_000_000_000L;

    /** tokens/s medians, with the per-repeat values they come from. */
    public record Result(String dtype, int threads, int promptTokens, int newTokens, double prefillTokensPerSecond,
                         double decodeTokensPerSecond, double[] prefillRuns, double[] decodeRuns) {
    }

    /**
     * @param dtype a label for the weights' dtype (the model's tensors carry the real one)
     */
    public static Result run(Llama model, String dtype, int threads, int promptTokens, int newTokens, int repeats, long seed) {
        return run(model, dtype, threads, promptTokens, newTokens, repeats, seed, WARM_UP_NANOS);
    }

    /** {@link #run(Llama, String, int, int, int, int, long)} warming up for at least {@code warmUpNanos} (and 10 generations). */
    public static Result run(Llama model, String dtype, int threads, int promptTokens, int newTokens, int repeats, long seed,
                             long warmUpNanos) {
        int[] prompt = prompt(model.config().vocabSize(), promptTokens, seed);
        // prefill is one ~10-100 ms pass: time it on its own, many times, so that the median is not one noisy sample
        double[] prefill = new double[Math.max(repeats, 11)];
        double[] decode = new double[repeats];
        try (ExecutionContext ctx = ExecutionContext.of(threads)) {
            Generator gen = new Generator(new LlamaForward(model, ctx));
            // untimed runs until the JIT has settled. Decode goes first: its one-row products take branches the
            // prefill never does, and C2 recompiling the forward pass on first meeting them slowed the prefill runs
            // that followed for seconds (~7.6k against ~11k tokens/s; once 2.7k for all 11 runs). Then prefill for
            // at least warmUpNanos: C2 recompiles the forward pass several seconds in (stories15M, 2 threads: ~9k
            // -> ~16k tokens/s only after ~30 generations, ~4 s)
            gen.generate(prompt, Math.min(newTokens, 64), Sampler.greedy(), false, id -> { });
            long warmUntil = System.nanoTime() + warmUpNanos;
            for (int w = 0; w < 10 || System.nanoTime() < warmUntil; w++) {
                gen.generate(prompt, 1, Sampler.greedy(), false, id -> { });
            }
            for (int r = 0; r < prefill.length; r++) {
                long t0 = System.nanoTime();
                gen.generate(prompt, 1, Sampler.greedy(), false, id -> { });
                prefill[r] = promptTokens / ((System.nanoTime() - t0) / 1e9);
            }
            for (int r = 0; r < repeats; r++) {
                long[] firstToken = new long[1];
                gen.generate(prompt, newTokens, Sampler.greedy(), false, id -> {
                    if (firstToken[0] == 0) {
                        firstToken[0] = System.nanoTime();
                    }
                });
                long t1 = System.nanoTime();
                // the first new token comes from the prefill's logits; the other newTokens-1 each take one step
                decode[r] = (newTokens - 1) / ((t1 - firstToken[0]) / 1e9);
            }
        }
        return new Result(dtype, threads, promptTokens, newTokens, Timing.median(prefill), Timing.median(decode), prefill, decode);
    }

    /** A seeded prompt of ids in [3, vocab): no BOS/EOS, so nothing depends on special tokens. */
    static int[] prompt(int vocab, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 3 + rng.nextInt(vocab - 3);
        }
        return ids;
    }
}
