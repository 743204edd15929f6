package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.tensor.DType;

/** Reading {@code pkt4j-pretrain/1} configs: the committed ones, and one-line errors naming the key for bad ones. */
class PretrainConfigTest {

    @Test
    void committedConfigsReadBack() throws IOException {
        for (String which : List.of("source", "target")) {
            Path file = DemoRepo.demo().resolve(which + ".pretrain.json");
            PretrainConfig c = PretrainConfig.read(file);
            assertEquals(HfConfig.parse(file, Json.read(file).get("model")), c.llama());
            assertEquals(DemoRepo.demo().resolve("tokenizer.json").toAbsolutePath().normalize(), c.tokenizer());
            assertEquals(DType.BF16, c.dtype());
            assertEquals(which.equals("source") ? CorpusRecipe.source() : CorpusRecipe.target(), c.data().corpus());
            assertEquals(DemoSplits.DEFAULT_SEED, c.data().dataSeed());
            assertThat(c.train().optimizer().decays("model.layers.0.mlp.up_proj.weight")).isTrue();
            assertThat(c.train().optimizer().decays("model.layers.0.input_layernorm.weight")).isFalse();
            assertThat(c.train().optimizer().decays("model.embed_tokens.weight")).isFalse();
        }
    }

    /** A copy of the committed target config, edited, written to {@code dir} (the tokenizer path made absolute). */
    static Path edited(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) Json.read(DemoRepo.demo().resolve("target.pretrain.json"));
        root.put("tokenizer", DemoRepo.demo().resolve("tokenizer.json").toAbsolutePath().toString());
        edit.accept(root);
        Path f = Files.createTempFile(dir, "config", ".json");
        Files.writeString(f, Json.write(root));
        return f;
    }

    private static String error(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path f = edited(dir, edit);
        FormatException e = assertThrows(FormatException.class, () -> PretrainConfig.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertThat(e.getMessage()).doesNotContain("\n");
        return e.getMessage();
    }

    private static ObjectNode at(ObjectNode root, String... path) {
        ObjectNode n = root;
        for (String p : path) {
            n = (ObjectNode) n.get(p);
        }
        return n;
    }

    @Test
    void unknownKeysAreNamedWithTheirPath(@TempDir Path tmp) throws IOException {
        assertThat(error(tmp, r -> r.put("epochs", 3))).contains("unknown key epochs").contains("train");
        assertThat(error(tmp, r -> at(r, "train", "optimizer").put("lr2", 1e-3)))
                .contains("unknown key train.optimizer.lr2").contains("lr, betas");
        assertThat(error(tmp, r -> at(r, "data", "corpus").put("poems", 10))).contains("unknown key data.corpus.poems");
        assertThat(error(tmp, r -> at(r, "init").put("mean", 0))).contains("unknown key init.mean");
        // a misspelt key is reported as unknown, not as the key it replaces going missing
        assertThat(error(tmp, r -> {
            ObjectNode t = at(r, "train");
            t.set("seq_length", t.remove("seq_len"));
        })).contains("unknown key train.seq_length");
    }

    @Test
    void badValuesNameTheKeyExpectedAndFound(@TempDir Path tmp) throws IOException {
        assertThat(error(tmp, r -> r.put("format", "pkt4j-pretrain/2"))).contains("key format").contains("pkt4j-pretrain/1");
        assertThat(error(tmp, r -> at(r, "train", "optimizer").put("lr", -1)))
                .contains("key train.optimizer.lr").contains("got -1");
        assertThat(error(tmp, r -> at(r, "train", "optimizer").put("lr", "fast"))).contains("key train.optimizer.lr")
                .contains("expected a finite number");
        assertThat(error(tmp, r -> ((ArrayNode) at(r, "train", "optimizer").get("betas")).set(1, 1.0)))
                .contains("key train.optimizer.betas");
        assertThat(error(tmp, r -> at(r, "train").put("seq_len", 4096))).contains("key train.seq_len").contains("[2, 512]");
        assertThat(error(tmp, r -> at(r, "train").put("batch_sequences", 0))).contains("key train.batch_sequences");
        assertThat(error(tmp, r -> at(r, "train").put("epochs", 1.5))).contains("key train.epochs").contains("integer");
        assertThat(error(tmp, r -> at(r, "train").put("packing", "concatenate"))).contains("key train.packing");
        assertThat(error(tmp, r -> at(r, "train", "schedule").put("final_lr_fraction", 2))).contains("key train.schedule.final_lr_fraction");
        assertThat(error(tmp, r -> at(r, "train").remove("grad_clip"))).contains("missing key train.grad_clip");
        assertThat(error(tmp, r -> at(r, "data", "corpus").put("fact_fraction", 1.5))).contains("key data.corpus.fact_fraction");
        assertThat(error(tmp, r -> at(r, "data", "corpus").put("stories", -1))).contains("key data.corpus.stories");
        assertThat(error(tmp, r -> at(r, "data").put("generator", "web"))).contains("key data.generator");
        assertThat(error(tmp, r -> at(r, "data", "validation").put("seed", 2))).contains("key data.validation.seed")
                .contains("must differ");
        assertThat(error(tmp, r -> at(r, "init").put("std", 0))).contains("key init.std");
        assertThat(error(tmp, r -> at(r, "output").put("dtype", "int8"))).contains("key output.dtype").contains("int8");
        assertThat(error(tmp, r -> at(r, "output").put("dtype", "float32"))).contains("key model").contains("torch_dtype");
        assertThat(error(tmp, r -> at(r, "model").remove("hidden_size"))).contains("key model").contains("hidden_size");
        assertThat(error(tmp, r -> at(r, "model").put("num_attention_heads", 5))).contains("key model");
        assertThat(error(tmp, r -> r.put("tokenizer", tmp.resolve("none.json").toString()))).contains("key tokenizer")
                .contains("none.json");
    }

    @Test
    void malformedJsonAndMissingFilesAreOneLine(@TempDir Path tmp) throws IOException {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"format\": ");
        FormatException e = assertThrows(FormatException.class, () -> PretrainConfig.read(bad));
        assertThat(e.getMessage()).contains("bad.json").contains("malformed JSON");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> PretrainConfig.read(tmp.resolve("absent.json")));
    }
}
