package org.pkt4j.train;

import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;

/**
 * A manual runner (not a test): prints {@link TrainStepBenchmark} numbers for the stories15M shape.
 * Arguments: threads, seqLen, steps.
 */
public final class TrainStepBench {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int seq = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        LlamaConfig shape = args.length > 3 && args[3].equals("110M") ? RandomLlama.stories110M() : RandomLlama.stories15M();
        try (ExecutionContext ctx = ExecutionContext.of(threads)) {
            System.out.printf("prefill (no activation saving): %.1f tok/s%n",
                    TrainStepBenchmark.prefillTokensPerSecond(shape, seq, 2, steps, ctx));
            for (TrainStepBenchmark.Mode mode : TrainStepBenchmark.Mode.values()) {
                var r = TrainStepBenchmark.run(shape, mode, 16, seq, 2, steps, ctx);
                System.out.printf("%s: forward %.1f tok/s, forward+backward %.1f tok/s, +AdamW %.1f tok/s (%.1f per CPU-second; AdamW %.1f ms, %d params)%n",
                        mode, r.forwardTokensPerSecond(), r.backwardTokensPerSecond(), r.stepTokensPerSecond(), r.stepCpuTokensPerSecond(),
                        r.optimizerSeconds() * 1e3, r.trainableParameters());
            }
        }
    }
}
