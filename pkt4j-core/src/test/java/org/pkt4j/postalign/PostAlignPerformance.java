package org.pkt4j.postalign;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.pkt4j.attribution.GradientSensitivity;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.AdamW;
import org.pkt4j.train.LrSchedule;
import org.pkt4j.train.TrainableModel;
import org.pkt4j.train.Trainer;
import org.pkt4j.train.lora.Lora;

/**
 * Timings for the closing report, not a unit test: runs only with {@code -Dpkt4j.perf=true}
 * ({@code -Dpkt4j.perf.seeds=N} seed examples, default 32; {@code -Dpkt4j.perf.threads}). Extraction on a random
 * stories110M-shaped source → stories15M-shaped target (vocab 32000) by phase — sensitivity over seed examples of
 * 200 tokens (150 scored), windows, SVD — then the fine-tuning throughput of the Post-Align LoRA (all nine modules,
 * r = 16) against a plain LoRA of the same targets, and the randomized SVD of a 4096 × 11008 slice.
 */
@EnabledIfSystemProperty(named = "pkt4j.perf", matches = "true")
class PostAlignPerformance {

    static List<SensitivityExample> examples(int n, int len, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<SensitivityExample> out = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            int[] ids = new int[len];
            int[] labels = new int[len];
            for (int t = 0; t < len; t++) {
                ids[t] = t == 0 ? 1 : rng.nextInt(vocab);
                labels[t] = t < len / 4 ? -100 : ids[t];
            }
            out.add(new SensitivityExample("ex" + e, ids, labels));
        }
        return out;
    }

    @Test
    void stories110MToStories15M() {
        int threads = Integer.getInteger("pkt4j.perf.threads", Runtime.getRuntime().availableProcessors());
        int seeds = Integer.getInteger("pkt4j.perf.seeds", 32);
        ExecutionContext ctx = ExecutionContext.of(threads);
        LlamaConfig sc = RandomLlama.stories110M(), tc = RandomLlama.stories15M();
        Llama source = RandomLlama.create(sc, 110, DType.F32, 0.02);
        Llama target = RandomLlama.create(tc, 15, DType.F32, 0.02);
        // warm the JIT on a small pair
        Llama ws = RandomLlama.create(TinyPair.source(false), 1, DType.F32, 0.3), wt = RandomLlama.create(TinyPair.target(false), 2, DType.F32, 0.3);
        Sensitivity w = new GradientSensitivity(ws, ctx, n -> true).compute(TinyPair.seeds(4, 1), GradientSensitivity.Progress.NONE);
        PostAlignPlan.build(ws, wt.config(), w, new PostAlignPlan.Options(3, true, 0), ctx, x -> { });

        List<SensitivityExample> exs = examples(seeds, 200, sc.vocabSize(), 7);
        long t0 = System.nanoTime();
        Sensitivity s = new GradientSensitivity(source, ctx, PostPkt.mappedFor(true)).compute(exs, GradientSensitivity.Progress.NONE);
        double sens = (System.nanoTime() - t0) / 1e9;
        PostAlignPlan plan = PostAlignPlan.build(source, tc, s, new PostAlignPlan.Options(16, true, 0), ctx, x -> { });
        System.out.printf(Locale.ROOT, "[perf] %d threads, source stories110M → target stories15M (F32, V 32000), %d seeds × 200 tokens%n",
                threads, seeds);
        System.out.printf(Locale.ROOT, "[perf] extraction: sensitivity %.1f s (%.2f s/example), windows %.2f s, SVD %.2f s (%d windows, r 16), total %.1f s%n",
                sens, sens / seeds, plan.timings().windowSeconds(), plan.timings().svdSeconds(), plan.windows().size(),
                sens + plan.timings().windowSeconds() + plan.timings().svdSeconds());

        // the same example's plain backward into full gradient buffers (what the taps avoid holding)
        org.pkt4j.llama.Gradients all = org.pkt4j.llama.Gradients.all(source);
        org.pkt4j.llama.LlamaBackward bw = new org.pkt4j.llama.LlamaBackward(new org.pkt4j.llama.LlamaForward(source, ctx), 200);
        long t2 = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            bw.lossAndBackward(exs.get(i).ids(), exs.get(i).labels(), org.pkt4j.llama.Adapters.NONE, all, 1.0);
        }
        System.out.printf(Locale.ROOT, "[perf] reference: plain forward + backward into Gradients.all (%.0f MB of fp32 buffers): %.2f s/example%n",
                4.0 * sc.parameterCount() / 1e6, (System.nanoTime() - t2) / 2e9);

        List<TokenizedExample> data = new ArrayList<>();
        for (SensitivityExample e : examples(16, 200, tc.vocabSize(), 9)) {
            data.add(new TokenizedExample(e.ids(), e.labels(), false));
        }
        PostAlignLora pa = PostAlignLora.start(target, plan.loraConfig(0.05), plan.loraWeights());
        double paRate = throughput(pa, data, ctx);
        double loraRate = throughput(Lora.attach(target, plan.loraConfig(0.05), 1), data, ctx);
        System.out.printf(Locale.ROOT, "[perf] fine-tuning stories15M, LoRA r 16 on 9 modules, batch 4 × 200 tokens: Post-Align %.0f tokens/s, "
                + "plain LoRA %.0f tokens/s%n", paRate, loraRate);

        SplittableRandom rng = new SplittableRandom(3);
        float[] big = new float[4096 * 11008];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) (0.02 * RandomLlama.gaussian(rng));
        }
        long t1 = System.nanoTime();
        TruncatedSvd svd = TruncatedSvd.of(ctx, big, 4096, 11008, 16, 1);
        System.out.printf(Locale.ROOT, "[perf] randomized SVD of a 4096 × 11008 slice at r 16: %.2f s (top singular value %.4f)%n",
                (System.nanoTime() - t1) / 1e9, svd.values()[0]);
        assertTrue(svd.values()[0] > 0);
    }

    /** Tokens per second of training steps after one warm-up step. */
    static double throughput(TrainableModel m, List<TokenizedExample> data, ExecutionContext ctx) {
        Trainer.Options o = new Trainer.Options(1, 4, Trainer.Reduction.MEAN, 1.0, 1, true, 0, 1);
        try {
            new Trainer(m, new AdamW(0.9, 0.999, 1e-8, 0), LrSchedule.constant(1e-5), o, ctx).stopAfter(1).train(data.subList(0, 4), null, false, p -> { });
            Trainer.Result r = new Trainer(m, new AdamW(0.9, 0.999, 1e-8, 0), LrSchedule.constant(1e-5), o, ctx).train(data, null, false, p -> { });
            return r.tokens() / r.seconds();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
