package org.pkt4j.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * Training-step throughput on a random model of a given shape: tokens/s of the forward alone, of forward +
 * backward, and of forward + backward + AdamW, for full fine-tuning or LoRA on every linear module of the
 * layers. One sequence of {@code seqLen} tokens per step, every position scored (the shape PyTorch
 * comparisons use). The three phases run in turns, one of each per round, so that they see the same mix of
 * quiet and contended moments on a shared machine; each figure is the median over rounds. Besides wall
 * time, the step is timed in CPU time of the calling thread, which other processes do not inflate — the
 * figure to compare on a busy machine with one thread (with more, the workers' time is not counted).
 */
public final class TrainStepBenchmark {
    private TrainStepBenchmark() {
    }

    public enum Mode { FULL, LORA }

    /**
     * @param forwardTokensPerSecond   forward with activation saving, logits of every scored row
     * @param backwardTokensPerSecond  forward + backward
     * @param stepTokensPerSecond      forward + backward + AdamW (the training step)
     * @param stepCpuTokensPerSecond   the step per CPU-second of the calling thread (see the class comment)
     * @param optimizerSeconds         time of one AdamW step (median)
     * @param trainableParameters      parameters the optimizer updates
     */
    public record Result(LlamaConfig shape, Mode mode, int seqLen, int threads, int rounds, double forwardTokensPerSecond,
                         double backwardTokensPerSecond, double stepTokensPerSecond, double stepCpuTokensPerSecond,
                         double optimizerSeconds, long trainableParameters) {
    }

    /** Runs {@code warmup} untimed rounds then {@code rounds} timed ones on a fresh random model. */
    public static Result run(LlamaConfig shape, Mode mode, int loraRank, int seqLen, int warmup, int rounds, ExecutionContext ctx) {
        return new Session(shape, mode, loraRank, seqLen, ctx).measure(warmup, rounds);
    }

    /** A random model, a sequence and an optimizer, set up once and measured as often as wanted. */
    public static final class Session {
        private final Mode mode;
        private final LlamaConfig shape;
        private final int seqLen;
        private final ExecutionContext ctx;
        private final Runnable forward;
        private final Runnable fwdBwd;
        private final Runnable optimizer;
        private final long trainable;

        public Session(LlamaConfig shape, Mode mode, int loraRank, int seqLen, ExecutionContext ctx) {
            this.mode = mode;
            this.shape = shape;
            this.seqLen = seqLen;
            this.ctx = ctx;
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
            this.trainable = Params.count(params);
            this.forward = () -> backward.forward().forward(ids, adapters, backward.activations(), rows);
            this.fwdBwd = () -> {
                Params.zeroGrads(params);
                backward.lossAndBackward(ids, labels, adapters, grads, 1.0);
            };
            this.optimizer = () -> adamw.step(ctx, params, 1e-5, OptionalDouble.empty());
        }

        /** {@code warmup} untimed rounds, then {@code rounds} timed rounds of forward, forward + backward, and a step. */
        public Result measure(int warmup, int rounds) {
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < warmup; i++) {
                forward.run();
                fwdBwd.run();
                optimizer.run();
            }
            double[] fwd = new double[rounds], fb = new double[rounds], step = new double[rounds], cpu = new double[rounds];
            double[] opt = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                forward.run();
                long t1 = System.nanoTime();
                fwdBwd.run();
                long t2 = System.nanoTime();
                long c2 = mx.getCurrentThreadCpuTime();
                fwdBwd.run();
                long t3 = System.nanoTime();
                optimizer.run();
                long t4 = System.nanoTime();
                long c4 = mx.getCurrentThreadCpuTime();
                fwd[r] = seqLen / ((t1 - t0) / 1e9);
                fb[r] = seqLen / ((t2 - t1) / 1e9);
                step[r] = seqLen / ((t4 - t2) / 1e9);
                cpu[r] = seqLen / ((c4 - c2) / 1e9);
                opt[r] = (t4 - t3) / 1e9;
            }
            return new Result(shape, mode, seqLen, ctx.threads(), rounds, median(fwd), median(fb), median(step), median(cpu),
                    median(opt), trainable);
        }
    }

    /** A plain forward without saving activations (inference prefill), median tokens/s, for reference. */
    public static double prefillTokensPerSecond(LlamaConfig shape, int seqLen, int warmup, int rounds, ExecutionContext ctx) {
        Llama base = RandomLlama.create(shape, 1, DType.F32, 0.02);
        LlamaForward fwd = new LlamaForward(base, ctx);
        int[] ids = new int[seqLen];
        int[] last = {seqLen - 1};
        Runnable body = () -> fwd.forward(ids, new KvCache(shape, seqLen), Adapters.NONE, ForwardTrace.NONE, null, last);
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] tps = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            body.run();
            tps[r] = seqLen / ((System.nanoTime() - t0) / 1e9);
        }
        return median(tps);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
