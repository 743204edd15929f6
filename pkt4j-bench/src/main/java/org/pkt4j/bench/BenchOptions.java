package org.pkt4j.bench;

import java.nio.file.Path;
import java.util.Set;
import org.pkt4j.llama.LlamaConfig;

/**
 * What {@code pkt bench} measures.
 *
 * @param shapeName       "stories15M", "stories110M", or the model directory's name
 * @param shape           the model shape for the model sections (random weights written as F32 and BF16)
 * @param model           an existing checkpoint to measure instead of random weights, or null
 * @param maxThreads      thread counts measured are 1 and this (when larger)
 * @param repeats         timed repeats per model measurement (medians are reported)
 * @param matmulSeconds   timing budget per matmul point
 * @param promptTokens    prefill length
 * @param newTokens       decode length
 * @param sections        which of {@link #SECTIONS} to run
 * @param openblasCoreType value for OPENBLAS_CORETYPE before OpenBLAS loads; empty = unset (auto-detect)
 * @param python          interpreter for the PyTorch baseline
 * @param workDir         where random checkpoints are written (deleted afterwards)
 * @param seed            seed of every random weight, prompt and input
 * @param trainTokens     sequence length of the training step
 * @param llama2c         a llama2.c {@code run} binary to time in the same run, or null
 */
public record BenchOptions(String shapeName, LlamaConfig shape, Path model, int maxThreads, int repeats, double matmulSeconds,
                           int promptTokens, int newTokens, Set<String> sections, String openblasCoreType, Path python,
                           Path workDir, long seed, int trainTokens, Path llama2c) {

    /** matmul: GEMM vs OpenBLAS; model: prefill/decode; llama2c: decode from position 1 beside llama2.c;
     *  torch: PyTorch baselines (prefill, and the train step's); memory: peak RSS; train: the training step. */
    public static final Set<String> SECTIONS = Set.of("matmul", "model", "llama2c", "torch", "memory", "train");

    public BenchOptions {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + maxThreads);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        if (trainTokens < 2) {
            throw new IllegalArgumentException("the training sequence needs >= 2 tokens, got " + trainTokens);
        }
        if (promptTokens < 1 || newTokens < 2) {
            throw new IllegalArgumentException("need a prompt of >= 1 token and >= 2 new tokens, got " + promptTokens + " and " + newTokens);
        }
        for (String s : sections) {
            if (!SECTIONS.contains(s)) {
                throw new IllegalArgumentException("unknown section '" + s + "': expected one of " + SECTIONS);
            }
        }
        sections = Set.copyOf(sections);
    }

    /** 1 and maxThreads. */
    public int[] threadCounts() {
        return maxThreads == 1 ? new int[] {1} : new int[] {1, maxThreads};
    }
}
