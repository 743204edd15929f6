package org.pkt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;

/** {@code pkt pretrain}: a tiny run with progress and a card, and one-line errors on bad configs and flags. */
class PretrainCommandTest {

    /** models/demo from the module directory the tests run in. */
    static Path demo() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models/demo"))) {
                return dir.resolve("models/demo");
            }
        }
        throw new IllegalStateException("models/demo not found above " + Path.of("").toAbsolutePath());
    }

    /** The committed target config, shrunk to seconds of training and edited. */
    static Path config(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode r = (ObjectNode) Json.read(demo().resolve("target.pretrain.json"));
        r.put("tokenizer", demo().resolve("tokenizer.json").toString());
        ObjectNode m = (ObjectNode) r.get("model");
        m.put("hidden_size", 16);
        m.put("intermediate_size", 32);
        m.put("num_hidden_layers", 1);
        m.put("num_attention_heads", 1);
        m.put("num_key_value_heads", 1);
        ObjectNode c = (ObjectNode) r.get("data").get("corpus");
        c.put("fact_fraction", 0.05);
        c.put("fact_mentions", 1);
        c.put("arithmetic_problems", 6);
        c.put("knowledge_questions", 4);
        c.put("drills", 2);
        c.put("stories", 8);
        c.put("descriptions", 2);
        c.put("reading_questions", 2);
        ((ObjectNode) r.get("data").get("validation")).put("documents", 4);
        ObjectNode t = (ObjectNode) r.get("train");
        t.put("seq_len", 128);
        t.put("batch_sequences", 4);
        t.put("epochs", 1);
        t.put("log_every", 2);
        t.put("validate_every", 3);
        edit.accept(r);
        Path f = dir.resolve("tiny.pretrain.json");
        Files.writeString(f, Json.write(r));
        return f;
    }

    @Test
    void trainsWritesTheModelAndRefusesToOverwrite(@TempDir Path tmp) throws IOException {
        Path cfg = config(tmp, r -> { });
        Path out = tmp.resolve("model");
        Cli run = Cli.run("pretrain", cfg.toString(), "--out", out.toString(), "--no-eval", "--threads", "2").succeeds();
        assertThat(run.out()).startsWith("wrote " + out);
        assertThat(run.err()).contains("pkt pretrain: corpus:").contains("pkt pretrain: model:").contains("step 1/")
                .contains("validation loss").contains("tok/s").contains("ETA");
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertThat(Files.readString(out.resolve("README.md"))).contains("./pkt pretrain " + cfg + " --out " + out + " --force");

        Cli.run("pretrain", cfg.toString(), "--out", out.toString(), "--no-eval").failsWith(1, out.toString(), "already exists", "--force");
        Cli.run("pretrain", cfg.toString(), "--out", out.toString(), "--no-eval", "--force").succeeds();
    }

    @Test
    void badConfigsAndFlagsGiveOneLine(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("model");
        Cli.run("pretrain", config(tmp, r -> ((ObjectNode) r.get("train")).put("warmup", 3)).toString(), "--out", out.toString())
                .failsWith(1, "tiny.pretrain.json", "unknown key train.warmup");
        Cli.run("pretrain", config(tmp, r -> ((ObjectNode) r.get("train").get("optimizer")).put("lr", 0)).toString(), "--out", out.toString())
                .failsWith(1, "key train.optimizer.lr", "got 0");
        Cli.run("pretrain", config(tmp, r -> ((ObjectNode) r.get("model")).put("eos_token_id", 7)).toString(), "--out", out.toString())
                .failsWith(1, "key model.eos_token_id", "EOS id 1");
        Cli.run("pretrain", tmp.resolve("absent.json").toString(), "--out", out.toString()).failsWith(1, "absent.json");
        Cli.run("pretrain", config(tmp, r -> { }).toString(), "--out", out.toString(), "--resume", "--force")
                .failsWith(2, "--resume and --force");
        Cli.run("pretrain", config(tmp, r -> { }).toString()).failsWith(2, "--out");
        assertTrue(Files.notExists(out));
    }
}
