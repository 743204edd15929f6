package org.pkt4j.train;

import java.util.EnumSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * Training-step throughput on a random model of a given shape: tokens/s of the forward alone, of forward +
 * backward, and of forward + backward + AdamW, for full fine-tuning or LoRA on every linear module of the
 * layers. One sequence of {@code seqLen} tokens per step, every position scored (the shape PyTorch
 * comparisons use). Each figure is the best of several runs (wall clock), so run it on a quiet machine.
 */
public final class TrainStepBenchmark {
    private TrainStepBenchmark() {
    }

    public enum Mode { FULL, LORA }

    /**
     * @param forwardTokensPerSecond   forward with activation saving, logits of every scored row
     * @param backwardTokensPerSecond  forward + backward
     * @param stepTokensPerSecond      forward + backward + AdamW (the training step)
     * @param optimizerSeconds         time of one AdamW step
     * @param trainableParameters      parameters the optimizer updates
     */
    public record Result(LlamaConfig shape, Mode mode, int seqLen, int threads, int steps, double forwardTokensPerSecond,
                         double backwardTokensPerSecond, double stepTokensPerSecond, double optimizerSeconds,
                         long trainableParameters) {
    }

    /** Runs {@code warmup} untimed then {@code steps} timed repetitions of each phase (best of them). */
    public static Result run(LlamaConfig shape, Mode mode, int loraRank, int seqLen, int warmup, int steps, ExecutionContext ctx) {
        Llama base = RandomLlama.create(shape, 1, DType.F32, 0.02);
        TrainableModel model = mode == Mode.FULL ? FullFineTune.all(base)
                : Lora.attach(base, LoraConfig.of(loraRank, 2.0 * loraRank, 0,
                        EnumSet.of(Module.Q, Module.K, Module.V, Module.O, Module.GATE, Module.UP, Module.DOWN)), 1);
        SplittableRandom rng = new SplittableRandom(2);
        int[] ids = new int[seqLen];
        for (int t = 0; t < seqLen; t++) {
            ids[t] = rng.nextInt(shape.vocabSize());
        }
        int[] labels = ids.clone();
        int[] rows = CausalLmLoss.scoredRows(labels);
        LlamaBackward backward = new LlamaBackward(new LlamaForward(model.model(), ctx), seqLen);
        Gradients grads = model.gradients();
        Adapters adapters = model.adapters();
        AdamW adamw = new AdamW(0.9, 0.95, 1e-8, 0.0);
        List<Param> params = model.params();

        Runnable forward = () -> backward.forward().forward(ids, adapters, backward.activations(), rows);
        Runnable fwdBwd = () -> {
            Params.zeroGrads(params);
            backward.lossAndBackward(ids, labels, adapters, grads, 1.0);
        };
        Runnable step = () -> {
            fwdBwd.run();
            adamw.step(ctx, params, 1e-5, OptionalDouble.empty());
        };
        double fwd = time(forward, warmup, steps);
        double fb = time(fwdBwd, warmup, steps);
        double st = time(step, warmup, steps);
        double opt = time(() -> adamw.step(ctx, params, 1e-5, OptionalDouble.empty()), 1, steps);
        return new Result(shape, mode, seqLen, ctx.threads(), steps, seqLen / fwd, seqLen / fb, seqLen / st, opt,
                Params.count(params));
    }

    /** A plain forward without saving activations (inference prefill), for reference. */
    public static double prefillTokensPerSecond(LlamaConfig shape, int seqLen, int warmup, int steps, ExecutionContext ctx) {
        Llama base = RandomLlama.create(shape, 1, DType.F32, 0.02);
        LlamaForward fwd = new LlamaForward(base, ctx);
        int[] ids = new int[seqLen];
        int[] last = {seqLen - 1};
        return seqLen / time(() -> fwd.forward(ids, new KvCache(shape, seqLen), Adapters.NONE, ForwardTrace.NONE, null, last),
                warmup, steps);
    }

    /**
     * The fastest of {@code n} timed runs of {@code body} after {@code warmup} untimed ones, in seconds: on a
     * shared machine the minimum is the run least disturbed by other processes.
     */
    private static double time(Runnable body, int warmup, int n) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e9;
    }
}
