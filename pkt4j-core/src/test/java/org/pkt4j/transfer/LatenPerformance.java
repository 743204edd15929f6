package org.pkt4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.NeuronAttribution;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Timings for the closing report, not a unit test: runs only with {@code -Dpkt4j.perf=true}. Writes a random
 * model pair and data of a given shape under {@code -Dpkt4j.perf.dir} (default {@code target/laten-perf}), runs
 * {@code laten train} in-process with the default settings (after a JIT warm-up on a tiny pair), and prints
 * wall time, the phase breakdown and the JVM's peak resident memory (VmHWM). Then it measures what the
 * reference's design would cost in this engine: attribution of one example on S and on T every step (instead
 * of one batched scoring of all extract examples), and every micro-batch padded to 768 tokens (instead of its
 * own length), with the unedited loss recomputed for every micro-batch (instead of once per sequence).
 *
 * <p>{@code -Dpkt4j.perf.pair=stories} (default): source stories110M-shaped, target stories15M-shaped, vocab
 * 32000, F32, 20 extract + 80 align examples of ~200 tokens. {@code demo}: source d 192 / 6 layers / ffn 512,
 * target d 96 / 4 layers / ffn 256, vocab 1024, MHA head_dim 32, tied embeddings, BF16, examples of ~90 tokens.
 */
@EnabledIfSystemProperty(named = "pkt4j.perf", matches = "true")
class LatenPerformance {

    record Shape(String name, LlamaConfig source, LlamaConfig target, DType dtype, int meanTokens) {
    }

    static Shape shape(String name) {
        return switch (name) {
            case "demo" -> new Shape("demo", demo(192, 6, 6, 512), demo(96, 4, 3, 256), DType.BF16, 90);
            case "stories" -> new Shape("stories", RandomLlama.stories110M(), RandomLlama.stories15M(), DType.F32, 200);
            default -> throw new IllegalArgumentException("pkt4j.perf.pair: stories or demo, got " + name);
        };
    }

    static LlamaConfig demo(int d, int layers, int heads, int ffn) {
        return new LlamaConfig("llama", d, ffn, layers, heads, heads, 32, 1024, 1e-5, LlamaConfig.RopeConfig.plain(10000), true, false,
                false, false, 0, List.of(1), 512, 0, "bfloat16");
    }

    @Test
    void latenTrainTimings() throws IOException {
        Shape s = shape(System.getProperty("pkt4j.perf.pair", "stories"));
        int threads = Integer.getInteger("pkt4j.perf.threads", Runtime.getRuntime().availableProcessors());
        ExecutionContext ctx = ExecutionContext.of(threads);
        Path dir = Path.of(System.getProperty("pkt4j.perf.dir", "target/laten-perf")).resolve(s.name()).toAbsolutePath();
        prepare(dir, s);
        warmUp(ctx);

        LatenOptions o = LatenOptions.defaults();
        List<String> notes = new ArrayList<>();
        long t0 = System.nanoTime(), c0 = OS.getProcessCpuTime();
        LatenTrainer.Result r = LatenTraining.run(new LatenTraining.Request(dir.resolve("source"), dir.resolve("target"),
                dir.resolve("extract.jsonl"), dir.resolve("align.jsonl"), dir.resolve("run"), o, LatenRun.Mode.FORCE, "perf"), ctx,
                new LatenTrainer.Listener() {
                    @Override
                    public void note(String message) {
                        notes.add(message);
                    }
                });
        double wall = (System.nanoTime() - t0) / 1e9, cpu = (OS.getProcessCpuTime() - c0) / 1e9;
        double locate = 0, forward = 0, backward = 0, optimizer = 0, unedited = 0, checkpoint = 0, steps = 0;
        for (LatenTrainer.Step st : r.log()) {
            LatenTrainer.Phases p = st.phases();
            locate += p.locate();
            forward += p.forward();
            backward += p.backward();
            optimizer += p.optimizer();
            unedited += p.unedited();
            checkpoint += p.checkpoint();
            steps += st.seconds();
        }
        long hwm = vmHwmKb();

        // the reference's design in this engine
        Llama source = Llama.open(dir.resolve("source")), target = Llama.open(dir.resolve("target"));
        LatenData data = readData(dir, target);
        LocateExample one = data.locate().getFirst();
        org.pkt4j.attribution.ExampleScores[] sc = new org.pkt4j.attribution.ExampleScores[2];
        double scoreS = time(() -> sc[0] = new NeuronAttribution(source, ctx, ReadoutCompat.REFERENCE, AttributionMode.EXACT).score(one));
        double scoreT = time(() -> sc[1] = new NeuronAttribution(target, ctx, ReadoutCompat.REFERENCE, AttributionMode.EXACT).score(one));
        // a micro-batch as the training runs it: with step 0's deltas injected (the backward then runs down to the lowest kept layer)
        TransferPlan plan = new StepLocator(source, target, LatenTrainer.locateOptions(source.config(), target.config(), o),
                List.of(sc[0]), List.of(sc[1])).plan(0);
        Hypernetwork h = Hypernetwork.initialise(new java.util.LinkedHashSet<>(plan.modules()), source.config().hiddenSize(),
                target.config().hiddenSize(), 42, LatenOptions.INIT_STD);
        Adapters injected = Injection.of(plan, target, Injection.translate(ctx, plan, KnowledgeMap.of(h, java.util.Map.of()))).adapters();
        int[] ids = data.align().getFirst().ids(), labels = data.align().getFirst().labels();
        LlamaBackward own = new LlamaBackward(new LlamaForward(target, ctx), ids.length);
        LlamaBackward padded = new LlamaBackward(new LlamaForward(target, ctx), 768);
        int[] pIds = new int[768], pLabels = new int[768];
        for (int i = 0; i < 768; i++) {
            pIds[i] = ids[i % ids.length];
            pLabels[i] = labels[i % ids.length] < 0 ? pIds[i] : labels[i % ids.length];
        }
        Gradients none = Gradients.none(target);
        double ownStep = best(3, () -> own.lossAndBackward(ids, labels, injected, none, 1));
        // the reference's pads are masked out of attention and loss but still computed: 768 positions, logits for all
        double padStep = best(2, () -> padded.lossAndBackward(pIds, pLabels, injected, none, 1));
        LlamaForward fwd = new LlamaForward(target, ctx);
        KvCache cache = new KvCache(target.config(), 768);
        double padForward = best(2, () -> {
            cache.truncate(0);
            fwd.forward(pIds, cache, Adapters.NONE, org.pkt4j.llama.ForwardTrace.NONE, null, null);
        });
        int n = r.steps(), micro = n * (o.alignPerStep() + 1);
        double refLocate = n * (scoreS + scoreT), refTrain = micro * padStep, refUnedited = micro * padForward;
        double ours = wall;
        double reference = refLocate + refTrain + refUnedited + optimizer + checkpoint;

        System.out.println(String.format(Locale.ROOT, """
                laten train performance (%s pair, %d threads; CONTENDED 2-core machine shared with other jobs)
                  source d %d / %d layers / ffn %d, target d %d / %d layers / ffn %d, vocab %d, %s weights
                  %d steps x %d micro-batches, mean extract/align length %d tokens (max %d)
                  wall %.1f s (process CPU %.1f s): attribution once for all extract examples %.1f s; steps %.1f s (%.2f s/step); rest (load, checksums, data) %.1f s
                  phases summed over the steps: locate %.2f, forward %.1f, backward %.1f, optimizer %.2f, unedited %.2f, checkpoint %.2f
                  peak resident memory of this JVM (VmHWM, includes writing the random models): %d MiB
                reference design in this engine (estimated from measured pieces):
                  attribution per step: 1 example on S %.1f s + on T %.1f s, x %d steps = %.1f s (ours: %.1f s once)
                  micro-batch forward+backward: own length (%d tokens) %.3f s, padded to 768 %.3f s (x%.1f); x %d = %.1f s (ours: %.1f s)
                  unedited loss per micro-batch, padded forward %.3f s x %d = %.1f s (ours: %.2f s, once per sequence)
                  total about %.0f s vs ours %.0f s: speed-up x%.1f""",
                s.name(), threads, s.source().hiddenSize(), s.source().numLayers(), s.source().intermediateSize(),
                s.target().hiddenSize(), s.target().numLayers(), s.target().intermediateSize(), s.target().vocabSize(), s.dtype(),
                n, o.alignPerStep() + 1, s.meanTokens(), data.maxLength(), wall, cpu, r.scoreSeconds(), steps, steps / n,
                wall - r.scoreSeconds() - steps, locate, forward, backward, optimizer, unedited, checkpoint, hwm / 1024,
                scoreS, scoreT, n, refLocate, r.scoreSeconds(), ids.length, ownStep, padStep, padStep / ownStep, micro, refTrain,
                forward + backward, padForward, micro, refUnedited, unedited, reference, ours, reference / ours));
        System.out.println("  notes: " + notes);
        System.out.println("  for the CLI's own peak memory: /usr/bin/time -v ./pkt laten train --source " + dir.resolve("source")
                + " --target " + dir.resolve("target") + " --extract-data " + dir.resolve("extract.jsonl") + " --align-data "
                + dir.resolve("align.jsonl") + " --out " + dir.resolve("cli-run") + " --force");
        assertEquals(20, n);
    }

    /** Random models (HF directories) and pre-tokenized data, written once per shape. */
    static void prepare(Path dir, Shape s) throws IOException {
        if (!Files.isDirectory(dir.resolve("source"))) {
            write(dir.resolve("source"), s.source(), 11, s.dtype());
            write(dir.resolve("target"), s.target(), 12, s.dtype());
        }
        if (!Files.isRegularFile(dir.resolve("align.jsonl"))) {
            SplittableRandom rng = new SplittableRandom(5);
            Files.write(dir.resolve("extract.jsonl"), records(rng, 20, s.meanTokens(), s.target().vocabSize(), true));
            Files.write(dir.resolve("align.jsonl"), records(rng, 80, s.meanTokens(), s.target().vocabSize(), false));
        }
    }

    static void write(Path dir, LlamaConfig c, long seed, DType dtype) throws IOException {
        CheckpointWriter.write(dir, HfConfig.withDtype(HfConfig.toJson(c), dtype), RandomLlama.tensors(c, seed, dtype, 0.02), null, null,
                true);
    }

    /** Sequences of mean ± 10% tokens: the first third is the prompt (masked, + 1 as the reference does), then the answer. */
    static List<String> records(SplittableRandom rng, int n, int mean, int vocab, boolean locate) {
        List<String> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int len = mean - mean / 10 + rng.nextInt(mean / 5 + 1);
            int prompt = len / 3;
            StringBuilder ids = new StringBuilder(), labels = new StringBuilder(), context = new StringBuilder();
            int[] tok = new int[len];
            for (int t = 0; t < len; t++) {
                tok[t] = 3 + rng.nextInt(vocab - 3);
                ids.append(t > 0 ? "," : "").append(tok[t]);
                labels.append(t > 0 ? "," : "").append(t <= prompt ? -100 : tok[t]);
            }
            for (int t = 0; t < len - 2; t++) {
                context.append(t > 0 ? "," : "").append(tok[t]);
            }
            String train = "\"input_ids\":[" + ids + "],\"labels\":[" + labels + "]";
            out.add(locate ? "{\"context_ids\":[" + context + "],\"target_id\":" + tok[len - 2] + "," + train + "}" : "{" + train + "}");
        }
        return out;
    }

    static LatenData readData(Path dir, Llama target) throws IOException {
        return LatenData.read(org.pkt4j.data.DataFile.read(dir.resolve("extract.jsonl")), org.pkt4j.data.DataFile.read(dir.resolve("align.jsonl")),
                null, target.config().vocabSize(), 768, false, org.pkt4j.data.TokenizedExample.Compat.REFERENCE);
    }

    /** A 2-step run on a tiny pair, so that the timed run meets compiled kernels. */
    static void warmUp(ExecutionContext ctx) throws IOException {
        Path tmp = Files.createTempDirectory("laten-warm-up");
        try {
            LatenTrainer.train(new LatenTrainer.Job(LatenTrainerTest.SOURCE, LatenTrainerTest.TARGET, LatenTrainerTest.data(false),
                    LatenTrainerTest.options(), java.util.Map.of(), "perf"), tmp.resolve("run"), LatenRun.Mode.FRESH, ctx,
                    new LatenTrainer.Listener() {
                    });
        } finally {
            org.pkt4j.io.AtomicFiles.deleteRecursively(tmp);
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    static long vmHwmKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static double best(int reps, Runnable r) {
        double b = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            b = Math.min(b, time(r));
        }
        return b;
    }
}
