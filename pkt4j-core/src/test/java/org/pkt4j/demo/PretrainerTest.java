package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.Close.assertClose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.Trainer;
import org.pkt4j.train.TrainerCheckpoint;

/**
 * {@link Pretrainer} on a tiny config (d 32, 2 layers, a few hundred documents of the demo corpus): the loss
 * falls, the output is a loadable BF16 HF directory holding the rounded master weights, a seed fixes the
 * weights, an interrupted run resumes to the same weights, and existing outputs are not overwritten by accident.
 */
class PretrainerTest {

    static final ExecutionContext TWO = ExecutionContext.of(2);

    /** The committed target config shrunk to a model and corpus that train in about a second. */
    static Path tinyConfig(Path dir, long seed) throws IOException {
        Path f = PretrainConfigTest.edited(dir, r -> {
            r.put("name", "tiny");
            r.put("seed", seed);
            ObjectNode m = (ObjectNode) r.get("model");
            m.put("hidden_size", 32);
            m.put("intermediate_size", 64);
            m.put("num_hidden_layers", 2);
            m.put("num_attention_heads", 2);
            m.put("num_key_value_heads", 2);
            ObjectNode c = (ObjectNode) r.get("data").get("corpus");
            c.put("fact_fraction", 0.1);
            c.put("fact_mentions", 2);
            c.put("arithmetic_problems", 16);
            c.put("knowledge_questions", 8);
            c.put("drills", 4);
            c.put("stories", 20);
            c.put("descriptions", 4);
            c.put("reading_questions", 4);
            ((ObjectNode) r.get("data").get("validation")).put("documents", 16);
            ObjectNode t = (ObjectNode) r.get("train");
            t.put("seq_len", 128);
            t.put("batch_sequences", 4);
            t.put("epochs", 3);
            t.put("validate_every", 8);
            t.put("checkpoint_every", 5);
            ((ObjectNode) t.get("schedule")).put("warmup_steps", 3);
            ((ObjectNode) t.get("optimizer")).put("lr", 1e-2);
        });
        return f;
    }

    static Pretrainer.Result run(Path config, Path out, Pretrainer.Options o) throws IOException {
        return Pretrainer.run(PretrainConfig.read(config), out, o, TWO, note -> { }, p -> { });
    }

    static Pretrainer.Options plain() {
        return new Pretrainer.Options(false, false, false, Long.MAX_VALUE);
    }

    @Test
    void trainsAndWritesALoadableBf16Model(@TempDir Path tmp) throws IOException {
        Path config = tinyConfig(tmp, 1);
        Path out = tmp.resolve("model");
        List<Long> validated = new ArrayList<>();
        List<Trainer.Progress> steps = new ArrayList<>();
        Pretrainer.Result r = Pretrainer.run(PretrainConfig.read(config), out, plain(), TWO, note -> { }, new Trainer.Listener() {
            @Override
            public void onStep(Trainer.Progress p) {
                steps.add(p);
            }

            @Override
            public void onValidation(long step, double loss) {
                validated.add(step);
            }
        });
        assertTrue(r.finished());
        long total = r.training().steps();
        assertEquals(total, steps.size());
        assertEquals(3 * ((r.corpus().sequences() + 3) / 4), total);
        // every 8 steps and after the last
        assertEquals(total / 8 + (total % 8 == 0 ? 0 : 1), validated.size());
        assertEquals(total, validated.getLast());

        // the loss falls: from ln(1024) ≈ 6.93 at initialisation, training and validation alike
        assertEquals(Math.log(1024), r.firstLoss(), 0.05);
        assertThat(r.finalTrainLoss()).isLessThan(r.firstLoss() - 1.0);
        List<JsonNode> log = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("loss.jsonl"))) {
            log.add(Json.MAPPER.readTree(line));
        }
        assertEquals(total, log.size());
        List<Double> val = log.stream().filter(n -> n.has("val_loss")).map(n -> n.get("val_loss").asDouble()).toList();
        assertThat(val.getLast()).isLessThan(val.getFirst()).isEqualTo(r.finalValidationLoss());
        assertThat(val.getLast()).isLessThan(r.firstLoss() - 1.0);

        // the output: config as given (dtype declared), BF16 weights = the master weights rounded, tokenizer files, card
        assertFalse(Files.exists(Pretrainer.runDir(out)), "run state is removed once the model is written");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json", "README.md", "loss.jsonl", "pretrain.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        PretrainConfig cfg = PretrainConfig.read(config);
        assertEquals(cfg.llama(), HfConfig.read(out.resolve("config.json")));
        Llama model = Llama.open(out);
        assertEquals(r.parameters(), model.tensors().values().stream().mapToLong(Tensor::numel).sum());
        for (Map.Entry<String, float[]> e : r.weights().entrySet()) {
            Tensor t = model.tensors().get(e.getKey());
            assertEquals(DType.BF16, t.dtype(), e.getKey());
            float[] stored = t.toFloatArray();
            for (int i = 0; i < stored.length; i++) {
                float expected = Float.intBitsToFloat(bf16(e.getValue()[i]));
                assertEquals(expected, stored[i], e.getKey() + "[" + i + "]");
            }
        }
        assertEquals(Files.readString(cfg.tokenizer()), Files.readString(out.resolve("tokenizer.json")));
        assertEquals(1024, Tokenizers.load(out).vocabSize());
        JsonNode results = Json.read(out.resolve("pretrain.json"));
        assertEquals(ModelCard.RESULTS_FORMAT, results.get("format").asText());
        assertEquals(Json.read(config), results.get("config"));
        String card = Files.readString(out.resolve("README.md"));
        assertThat(card).contains("# tiny").contains("--out " + out).contains(String.format("%,d", r.parameters()))
                .contains("Not evaluated").contains(ModelCard.PAIR_BEGIN);
    }

    /** The bits of {@code v} rounded to BF16, round to nearest even (finite values). */
    private static int bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) << 16;
    }

    /**
     * Runs of one config agree up to the freedom the Vector API's lane reductions have between JIT tiers (the
     * last bits of a sum, see TrainerTest). Those bits are not noise to training, which is chaotic: over tens of
     * AdamW steps at this learning rate they grow to ~1e-4 of the largest weight (embedding rows of tokens the
     * tiny corpus never shows, whose updates are all second-order) and to ~1e-6 in the loss. So the weights are
     * compared at 3e-3 of the largest weight, and the per-step losses at 1e-4 — a real difference in data order,
     * optimizer state or schedule moves them by 1e-2 and more within a step or two.
     */
    static void assertSameRun(Pretrainer.Result a, Path logA, Pretrainer.Result b, Path logB) throws IOException {
        for (String name : a.weights().keySet()) {
            assertClose(name, b.weights().get(name), a.weights().get(name), 3e-3, 1e-9);
        }
        List<String> la = Files.readAllLines(logA), lb = Files.readAllLines(logB);
        assertEquals(la.size(), lb.size());
        for (int i = 0; i < la.size(); i++) {
            JsonNode x = Json.MAPPER.readTree(la.get(i)), y = Json.MAPPER.readTree(lb.get(i));
            assertEquals(x.get("loss").asDouble(), y.get("loss").asDouble(), 1e-4, "step " + (i + 1));
            assertEquals(x.get("lr").asDouble(), y.get("lr").asDouble(), 1e-15, "step " + (i + 1));
            assertEquals(x.has("val_loss"), y.has("val_loss"));
            if (x.has("val_loss")) {
                assertEquals(x.get("val_loss").asDouble(), y.get("val_loss").asDouble(), 1e-4, "step " + (i + 1));
            }
        }
    }

    @Test
    void aSeedFixesTheRun(@TempDir Path tmp) throws IOException {
        Pretrainer.Result a = run(tinyConfig(tmp, 7), tmp.resolve("a"), plain());
        Pretrainer.Result b = run(tinyConfig(tmp, 7), tmp.resolve("b"), plain());
        assertSameRun(a, tmp.resolve("a/loss.jsonl"), b, tmp.resolve("b/loss.jsonl"));
    }

    @Test
    void anInterruptedRunResumesToTheSameWeights(@TempDir Path tmp) throws IOException {
        Path config = tinyConfig(tmp, 3);
        Pretrainer.Result whole = run(config, tmp.resolve("whole"), plain());

        Path out = tmp.resolve("parts");
        Pretrainer.Result first = run(config, out, new Pretrainer.Options(false, false, false, 7));
        assertFalse(first.finished());
        assertFalse(Files.exists(out), "nothing is written before the end");
        assertEquals(7, TrainerCheckpoint.latest(Pretrainer.runDir(out)).orElseThrow().step());
        // an interrupted run is neither overwritten nor continued by accident
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> run(config, out, plain()));
        assertThat(e.getReason()).contains("--resume");

        Pretrainer.Result resumed = run(config, out, new Pretrainer.Options(true, false, false, Long.MAX_VALUE));
        assertTrue(resumed.finished());
        assertEquals(7, resumed.training().startStep());
        assertEquals(whole.training().steps(), resumed.training().steps());
        assertSameRun(whole, tmp.resolve("whole/loss.jsonl"), resumed, out.resolve("loss.jsonl"));
        assertEquals(whole.finalValidationLoss(), resumed.finalValidationLoss(), 1e-4);
    }

    @Test
    void anExistingModelIsReplacedOnlyWithForce(@TempDir Path tmp) throws IOException {
        Path config = tinyConfig(tmp, 5);
        Path out = tmp.resolve("model");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> run(config, out, plain()));
        assertThat(e.getReason()).contains("--force");
        assertThrows(FileAlreadyExistsException.class, () -> run(config, out, new Pretrainer.Options(true, false, false, Long.MAX_VALUE)));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        run(config, out, new Pretrainer.Options(false, true, false, Long.MAX_VALUE));
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }
}
