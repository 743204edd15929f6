package org.pkt4j.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * The LaTen training loop on a tiny random pair: the run directory's files, and that a run interrupted
 * (after a step, or inside one) and resumed ends with the weights and log of an uninterrupted run.
 */
class LatenTrainerTest {
    static final int VOCAB = 48;
    static final Llama SOURCE = RandomLlama.create(RandomLlama.config(32, 3, 4, 4, 64, VOCAB), 1, DType.F32, 0.3);
    static final Llama TARGET = RandomLlama.create(RandomLlama.config(16, 2, 2, 2, 32, VOCAB), 2, DType.F32, 0.3);
    static final ExecutionContext CTX = ExecutionContext.of(2);

    /** 4 extract examples (locate form + sequence) and 20 align sequences of 8–14 random tokens, prompts masked. */
    static LatenData data(boolean poisonThirdExtract) {
        SplittableRandom rng = new SplittableRandom(7);
        List<LocateExample> locate = new ArrayList<>();
        List<TokenizedExample> extract = new ArrayList<>(), align = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int[] ids = new int[8 + rng.nextInt(7)];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 3 + rng.nextInt(VOCAB - 3);
            }
            int[] labels = ids.clone();
            java.util.Arrays.fill(labels, 0, 4, -100);
            if (i < 4) {
                locate.add(new LocateExample("ex" + i, java.util.Arrays.copyOf(ids, ids.length - 2), ids[ids.length - 2]));
                if (poisonThirdExtract && i == 2) {
                    // a label outside the vocabulary: the loss throws inside step 2's forward pass, after steps 0 and 1
                    labels[labels.length - 1] = VOCAB + 5;
                }
                extract.add(new TokenizedExample(ids, labels, false));
            } else {
                align.add(new TokenizedExample(ids, labels, false));
            }
        }
        return new LatenData(locate, extract, align, 0, 0);
    }

    static LatenOptions options() {
        return new LatenOptions(3e-3, 0.25, 42, 64, false, ReadoutCompat.REFERENCE, AttributionMode.EXACT, null, null, 15);
    }

    static LatenTrainer.Job job(LatenData data, LatenOptions o) {
        return new LatenTrainer.Job(SOURCE, TARGET, data, o, Map.of("--extract-data", "test", "--align-data", "test"), "test");
    }

    static LatenTrainer.Result train(Path run, LatenRun.Mode mode, LatenData data, LatenTrainer.Listener l) throws IOException {
        return LatenTrainer.train(job(data, options()), run, mode, CTX, l);
    }

    /** Thrown by a test listener to stop a run the way a kill would. */
    static final class Crash extends RuntimeException {
    }

    @Test
    void runDirectoryHoldsManifestCheckpointsAndLog(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        LatenTrainer.Result r = train(run, LatenRun.Mode.FRESH, data(false), new LatenTrainer.Listener() {
        });
        assertEquals(0, r.startStep());
        assertEquals(4, r.steps());
        JsonNode m = Json.read(run.resolve("manifest.json"));
        assertEquals("pkt4j.laten/1", m.path("format").asText());
        assertEquals(3e-3, m.path("options").path("--lr").asDouble());
        assertEquals(4, m.path("options").path("--steps").asInt());
        assertEquals("[\"v_proj\",\"o_proj\",\"up_proj\",\"down_proj\"]", Json.writeLine(m.path("modules")));
        assertThat(m.path("notes").get(0).asText()).contains("fp16");
        assertEquals(List.of(0, 1, 2, 3), LatenCheckpoint.steps(run));
        for (int k = 0; k < 4; k++) {
            Path dir = LatenCheckpoint.dir(run, k);
            assertEquals(k >= 2, Files.exists(dir.resolve(LatenCheckpoint.OPTIMIZER)), "only the two newest checkpoints keep the optimizer");
            SafetensorsFile st = SafetensorsFile.open(dir.resolve(LatenCheckpoint.WEIGHTS));
            assertEquals(List.of("network.down_proj.0.weight", "network.down_proj.2.weight", "network.up_proj.0.weight",
                    "network.up_proj.2.weight", "network.o_proj.0.weight", "network.o_proj.2.weight", "network.v_proj.0.weight",
                    "network.v_proj.2.weight"), List.copyOf(st.tensors().keySet()));
            assertEquals("[16, 32]", st.get("network.up_proj.2.weight").shapeString());
        }
        List<JsonNode> log = LatenRun.readLog(run);
        assertEquals(4, log.size());
        for (int k = 0; k < 4; k++) {
            JsonNode l = log.get(k);
            assertEquals(k, l.path("step").asInt());
            assertEquals("ex" + k, l.path("example").asText());
            assertEquals(Json.writeLine(new PythonRandom(k).sample(20, 15)), Json.writeLine(l.path("align")));
            assertEquals(16, l.path("scored_micro_batches").asInt());
            assertTrue(l.path("lm_loss").asDouble() > 0 && l.path("unedited_loss").asDouble() > 0);
            assertEquals(l.path("lm_loss").asDouble() + 1000 * l.path("mse").asDouble(), l.path("total").asDouble(), 1e-9);
            assertEquals(LatenOptimization.schedule(3e-3, 4).lr(k), l.path("lr").asDouble(), 1e-15);
            assertEquals(LatenOptimization.schedule(3e-3, 4).momentum(k).getAsDouble(), l.path("betas").get(0).asDouble(), 1e-15);
            for (String phase : new String[] {"locate", "forward", "backward", "optimizer", "unedited", "checkpoint"}) {
                assertTrue(l.path("phases").has(phase), phase);
            }
        }
        // at initialisation the deltas are ~1e-9: the edited loss is the unedited one to many digits
        assertEquals(log.getFirst().path("unedited_loss").asDouble(), log.getFirst().path("lm_loss").asDouble(), 1e-4);
        // the log's last H is the checkpoint's
        Hypernetwork saved = LatenCheckpoint.loadHypernetwork(run, 3);
        assertEquals(0, maxRelDiff(saved, r.hypernetwork()));
    }

    /**
     * Kill after step 1 and resume; kill inside step 2 (its forward pass throws) and resume; drop the last
     * log line as a crash between checkpoint and log would: each ends with the uninterrupted run's H and log.
     *
     * <p>Why a tolerance and a warm-up: the steps re-run after a resume execute the same code on the same
     * inputs, but a Vector API reduction sums its lanes in another order before C2 compiles it than after, so
     * the first runs in a JVM differ from later ones by ~1e-8 relative in the losses; AdamW's early updates
     * lr·g/(|g| + eps) amplify that on the many hypernetwork gradients near eps (weights ~1e-5) — up to 5e-3
     * relative on H between a cold and a warm run here, 4e-3 between two float32 runs of the reference (fixture
     * README). After a warm-up, runs usually agree to 0 – 1e-6, but a kernel C2 compiles only during the test
     * (seen in the full suite once the decode attention kernels changed) left 4e-4. The bound 1e-3 still catches
     * real resume bugs: an optimizer step count off by one moves H by 4e-2.
     */
    @Test
    void interruptedRunsResumeToTheUninterruptedWeights(@TempDir Path tmp) throws IOException {
        for (int i = 0; i < 2; i++) {
            train(tmp.resolve("warm-up-" + i), LatenRun.Mode.FRESH, data(false), new LatenTrainer.Listener() {
            });
        }
        Hypernetwork whole = train(tmp.resolve("whole"), LatenRun.Mode.FRESH, data(false), new LatenTrainer.Listener() {
        }).hypernetwork();
        List<JsonNode> wholeLog = LatenRun.readLog(tmp.resolve("whole"));

        Path a = tmp.resolve("after-step");
        assertThrows(Crash.class, () -> train(a, LatenRun.Mode.FRESH, data(false), new LatenTrainer.Listener() {
            @Override
            public void step(LatenTrainer.Step s) {
                if (s.step() == 1) {
                    throw new Crash();
                }
            }
        }));
        assertEquals(List.of(0, 1), LatenCheckpoint.steps(a));
        List<String> notes = new ArrayList<>();
        LatenTrainer.Result ra = train(a, LatenRun.Mode.RESUME, data(false), new LatenTrainer.Listener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        assertEquals(2, ra.startStep());
        assertThat(notes).anyMatch(n -> n.contains("reusing the attribution scores"));
        assertThat(maxRelDiff(whole, ra.hypernetwork())).isLessThanOrEqualTo(1e-3);
        assertSameLog(wholeLog, LatenRun.readLog(a));

        Path b = tmp.resolve("mid-step");
        assertThrows(IllegalArgumentException.class, () -> train(b, LatenRun.Mode.FRESH, data(true), new LatenTrainer.Listener() {
        }));
        assertEquals(List.of(0, 1), LatenCheckpoint.steps(b));
        assertEquals(2, LatenRun.readLog(b).size());
        LatenTrainer.Result rb = train(b, LatenRun.Mode.RESUME, data(false), new LatenTrainer.Listener() {
        });
        assertEquals(2, rb.startStep());
        assertThat(maxRelDiff(whole, rb.hypernetwork())).isLessThanOrEqualTo(1e-3);
        assertSameLog(wholeLog, LatenRun.readLog(b));

        // checkpoint_3 written, its log line lost: resuming has nothing left to run and restores the line
        Path log = tmp.resolve("whole").resolve(LatenRun.LOG);
        List<String> lines = Files.readAllLines(log);
        Files.write(log, lines.subList(0, 3));
        LatenTrainer.Result rc = train(tmp.resolve("whole"), LatenRun.Mode.RESUME, data(false), new LatenTrainer.Listener() {
        });
        assertEquals(4, rc.startStep());
        assertEquals(0, maxRelDiff(whole, rc.hypernetwork()));
        JsonNode restored = Json.MAPPER.readTree(Files.readAllLines(log).get(3)), original = Json.MAPPER.readTree(lines.get(3));
        // the line kept in the checkpoint was made before the checkpoint was written: all but its timings agree
        for (String key : new String[] {"step", "example", "align", "lm_loss", "mse", "total", "unedited_loss", "lr", "betas"}) {
            assertEquals(original.path(key), restored.path(key), key);
        }
        assertEquals(original.path("phases").path("forward"), restored.path("phases").path("forward"));
    }

    @Test
    void existingRunsNeedResumeOrForceAndResumeNeedsTheSameOptions(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        LatenData data = data(false);
        LatenOptions two = options().withSteps(2);
        LatenTrainer.train(job(data, two), run, LatenRun.Mode.FRESH, CTX, new LatenTrainer.Listener() {
        });
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> LatenTrainer.train(job(data, two), run, LatenRun.Mode.FRESH, CTX, new LatenTrainer.Listener() {
                }));
        assertThat(e.getMessage()).contains("--resume").contains("--force");

        LatenOptions otherLr = new LatenOptions(1e-3, 0.25, 42, 64, false, ReadoutCompat.REFERENCE, AttributionMode.EXACT, null, 2, 15);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> LatenTrainer.train(job(data, otherLr), run, LatenRun.Mode.RESUME, CTX, new LatenTrainer.Listener() {
                }));
        assertThat(bad.getMessage()).contains("--lr").contains("0.003").contains("0.001");
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> LatenTrainer.train(job(data, options()), run, LatenRun.Mode.RESUME, CTX, new LatenTrainer.Listener() {
                }));
        assertThat(steps.getMessage()).contains("--steps").contains("2").contains("4");

        LatenTrainer.Result forced = LatenTrainer.train(job(data, options()), run, LatenRun.Mode.FORCE, CTX, new LatenTrainer.Listener() {
        });
        assertEquals(0, forced.startStep());
        assertEquals(List.of(0, 1, 2, 3), LatenCheckpoint.steps(run));
    }

    @Test
    void aCorruptOrIncompleteNewestCheckpointIsNamedOnResume(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        LatenTrainer.train(job(data(false), options().withSteps(2)), run, LatenRun.Mode.FRESH, CTX, new LatenTrainer.Listener() {
        });
        Path opt = LatenCheckpoint.dir(run, 1).resolve(LatenCheckpoint.OPTIMIZER);
        byte[] bytes = Files.readAllBytes(opt);
        Files.write(opt, java.util.Arrays.copyOf(bytes, 20));
        IOException e = assertThrows(IOException.class, () -> LatenTrainer.train(job(data(false), options().withSteps(2)), run,
                LatenRun.Mode.RESUME, CTX, new LatenTrainer.Listener() {
                }));
        assertThat(e.getMessage()).contains(opt.toString()).contains("delete " + LatenCheckpoint.dir(run, 1)).contains("checkpoint_0");
        Files.delete(opt);
        e = assertThrows(IOException.class, () -> LatenTrainer.train(job(data(false), options().withSteps(2)), run, LatenRun.Mode.RESUME,
                CTX, new LatenTrainer.Listener() {
                }));
        assertThat(e.getMessage()).contains(opt.toString()).contains("newest checkpoints");
        // following the hint: without the damaged checkpoint the run resumes from the one before and finishes
        org.pkt4j.io.AtomicFiles.deleteRecursively(LatenCheckpoint.dir(run, 1));
        LatenTrainer.Result r = LatenTrainer.train(job(data(false), options().withSteps(2)), run, LatenRun.Mode.RESUME, CTX,
                new LatenTrainer.Listener() {
                });
        assertEquals(1, r.startStep());
        assertEquals(2, LatenRun.readLog(run).size());
    }

    @Test
    void tooFewAlignExamplesOrDifferentVocabulariesAreRefused(@TempDir Path tmp) {
        LatenData d = data(false);
        LatenData few = new LatenData(d.locate(), d.extract(), d.align().subList(0, 10), 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatenTrainer.train(job(few, options()), tmp.resolve("r"), LatenRun.Mode.FRESH, CTX, new LatenTrainer.Listener() {
                }));
        assertThat(e.getMessage()).contains("10").contains("15");
        Llama otherVocab = RandomLlama.create(RandomLlama.config(16, 2, 2, 2, 32, VOCAB + 1), 2, DType.F32, 0.3);
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> LatenTrainer.train(
                new LatenTrainer.Job(SOURCE, otherVocab, d, options(), Map.of(), "test"), tmp.resolve("v"), LatenRun.Mode.FRESH, CTX,
                new LatenTrainer.Listener() {
                }));
        assertThat(v.getMessage()).contains("share one tokenizer");
        assertThat(Files.exists(tmp.resolve("v"))).isFalse();
    }

    static void assertSameLog(List<JsonNode> want, List<JsonNode> got) {
        assertEquals(want.size(), got.size());
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.get(k).path("step").asInt(), got.get(k).path("step").asInt());
            assertEquals(Json.writeLine(want.get(k).path("align")), Json.writeLine(got.get(k).path("align")));
            for (String key : new String[] {"lm_loss", "mse", "unedited_loss", "lr"}) {
                double w = want.get(k).path(key).asDouble(), g = got.get(k).path(key).asDouble();
                assertEquals(w, g, 1e-6 * Math.abs(w), key + " of step " + k);
            }
        }
    }

    /** max over tensors of max|a − b| / max|a|. */
    static double maxRelDiff(Hypernetwork a, Hypernetwork b) {
        double worst = 0;
        Map<String, Tensor> x = a.stateDict(), y = b.stateDict();
        for (String n : x.keySet()) {
            float[] u = x.get(n).toFloatArray(), v = y.get(n).toFloatArray();
            double max = 0, diff = 0;
            for (int i = 0; i < u.length; i++) {
                max = Math.max(max, Math.abs(u[i]));
                diff = Math.max(diff, Math.abs(u[i] - v[i]));
            }
            worst = Math.max(worst, diff / max);
        }
        return worst;
    }
}
