package org.pkt4j.postalign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pkt4j.testing.Close.assertClose;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.peft.PeftAdapter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.train.Param;
import org.pkt4j.train.lora.Lora;

/** The whole Post-Align run on a tiny pair with pre-tokenized data: outputs, manifest, log, reuse and refusals. */
class PostPktTest {
    static final ExecutionContext CTX = ExecutionContext.of(2);

    static PostPkt.Options options(Path dir, boolean tied) throws IOException {
        Path s = TinyPair.write(dir.resolve("source"), TinyPair.source(tied), 1, DType.F32);
        Path t = TinyPair.write(dir.resolve("target"), TinyPair.target(tied), 2, DType.BF16);
        Path data = dir.resolve("task.jsonl");
        Files.writeString(data, TinyPair.jsonl(TinyPair.seeds(6, 7)));
        return PostPkt.Options.defaults(s, t, data, dir.resolve("run")).withRank(3).withSeeds(null, 4).withTraining(1, 1e-2, 3);
    }

    @Test
    void aRunWritesLoadableOutputs(@TempDir Path dir) throws IOException {
        PostPkt.Options o = options(dir, true);
        List<String> notes = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        PostPkt.Result r = PostPkt.run(o, CTX, Map.of("pkt4j_version", "test"), notes::add, p -> losses.add(p.loss()));
        assertThat(losses).hasSize(2);
        Llama target = Llama.open(o.target());
        Lora extracted = PeftAdapter.read(r.extracted(), target);
        Lora adapter = PeftAdapter.read(r.adapter(), target);
        assertThat(extracted.config().targetNames()).containsExactly("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                "down_proj", "embed_tokens", "lm_head");
        assertThat(extracted.config().alpha()).isEqualTo(3.0);
        // the extracted adapter holds the plan's factors; the trained one moved away from them
        assertThat(extracted.param(Lora.EMBED_A).value()).containsExactly(r.plan().window(org.pkt4j.llama.Module.EMBED, -1).factors().a());
        Param b0 = extracted.param("model.layers.1.mlp.up_proj.lora_B.weight"), b = adapter.param("model.layers.1.mlp.up_proj.lora_B.weight");
        assertThat(b.value()).isNotEqualTo(b0.value());

        Llama merged = Llama.open(r.merged());
        assertThat(merged.config().tieWordEmbeddings()).isFalse();
        assertThat(merged.embed().dtype()).isEqualTo(DType.BF16);
        int[] ids = TinyPair.seeds(1, 3).getFirst().ids();
        float[] logits = new LlamaForward(merged, CTX).logits(ids);
        // the merged model is the adapted one (BF16 rounding of the merged weights aside)
        float[] adapted = PostAlignLoraTest.logits(target, r.model().adapters(), ids);
        assertClose("merged vs adapted", logits, adapted, 0, 2e-2 * Math.max(1, org.pkt4j.testing.Close.maxAbs(adapted)));

        JsonNode m = Json.read(o.out().resolve("manifest.json"));
        assertThat(m.path("format").asText()).isEqualTo(PostPkt.FORMAT);
        assertThat(m.path("pkt4j_version").asText()).isEqualTo("test");
        assertThat(m.path("options").path("rank").asInt()).isEqualTo(3);
        assertThat(m.path("seeds").path("examples")).hasSize(4);
        assertThat(m.path("plan").path("kept_layers")).hasSize(2);
        assertThat(m.path("plan").path("windows")).hasSize(16);
        assertThat(m.path("plan").path("windows").get(0).path("singular_values")).hasSize(3);
        assertThat(m.path("training").path("steps").asInt()).isEqualTo(2);
        assertThat(m.path("sha256").path("data").asText()).hasSize(64);
        List<String> log = Files.readAllLines(o.out().resolve("log.jsonl"));
        assertThat(log).hasSize(4 + 16 + 2);
        assertThat(log.getFirst()).contains("\"phase\":\"sensitivity\"");
        assertThat(log.getLast()).contains("\"phase\":\"train\"");

        assertThatThrownBy(() -> PostPkt.run(o, CTX, Map.of(), n -> { }, p -> { })).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("--force");
    }

    @Test
    void extractOnlyStopsAfterTheExtractedAdapterAndItCanBeReused(@TempDir Path dir) throws IOException {
        PostPkt.Options base = options(dir, false);
        PostPkt.Options extractOnly = new PostPkt.Options(base.source(), base.target(), base.data(), null, 4, 3, true, 1, 1e-2, 3, 2048, 0.05,
                42, base.compat(), null, true, dir.resolve("x"), false);
        PostPkt.Result x = PostPkt.run(extractOnly, CTX, Map.of(), n -> { }, p -> { });
        assertThat(x.training()).isNull();
        try (var files = Files.list(dir.resolve("x"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("extracted", "log.jsonl", "manifest.json");
        }
        PostPkt.Options reuse = new PostPkt.Options(base.source(), base.target(), base.data(), null, null, 3, true, 1, 1e-2, 3, 2048, 0.05,
                42, base.compat(), x.extracted(), false, dir.resolve("y"), false);
        PostPkt.Result y = PostPkt.run(reuse, CTX, Map.of(), n -> { }, p -> { });
        PostPkt.Result full = PostPkt.run(base.withForce(true), CTX, Map.of(), n -> { }, p -> { });
        // the extracted adapter round-trips exactly; with the same factors and seed, training reaches the same adapter
        // (to rounding: the Vector API's interpreted and compiled reductions may differ in the last bit)
        for (int i = 0; i < full.model().params().size(); i++) {
            String name = full.model().params().get(i).name();
            assertThat(y.model().extracted().params().get(i).value()).as(name).containsExactly(full.model().extracted().params().get(i).value());
            assertClose(name, y.model().params().get(i).value(), full.model().params().get(i).value(), 1e-4, 0);
        }
        assertThat(Json.read(dir.resolve("y").resolve("manifest.json")).path("extracted_from").asText()).endsWith("extracted");
    }

    @Test
    void refusesWhatCannotBeTransferred(@TempDir Path dir) throws IOException {
        PostPkt.Options o = options(dir, false);
        assertThatThrownBy(() -> PostPkt.run(o.withRank(25), CTX, Map.of(), n -> { }, p -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rank 25 is larger than the smaller side of module");
        Path big = TinyPair.write(dir.resolve("big"), TinyPair.config(40, 2, 4, 48, false), 3, DType.F32);
        PostPkt.Options wide = new PostPkt.Options(o.source(), big, o.data(), null, 4, 3, true, 1, 1e-2, 3, 2048, 0.05, 42, o.compat(),
                null, false, dir.resolve("w"), false);
        assertThatThrownBy(() -> PostPkt.run(wide, CTX, Map.of(), n -> { }, p -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("module q_proj: the target's [40, 40] window does not fit the source's [32, 32] matrix")
                .hasMessageContaining("target hidden size 40 > source 32");
        Path deep = TinyPair.write(dir.resolve("deep"), TinyPair.config(24, 4, 4, 40, false), 3, DType.F32);
        PostPkt.Options tooDeep = new PostPkt.Options(o.source(), deep, o.data(), null, 4, 3, true, 1, 1e-2, 3, 2048, 0.05, 42, o.compat(),
                null, false, dir.resolve("d"), false);
        assertThatThrownBy(() -> PostPkt.run(tooDeep, CTX, Map.of(), n -> { }, p -> { }))
                .hasMessageContaining("the target has 4 layers, the source only 3");
        Path wrongVocab = TinyPair.write(dir.resolve("vocab"), org.pkt4j.llama.RandomLlama.config(24, 2, 4, 4, 40, 50), 3, DType.F32);
        PostPkt.Options vocab = new PostPkt.Options(o.source(), wrongVocab, o.data(), null, 4, 3, true, 1, 1e-2, 3, 2048, 0.05, 42, o.compat(),
                null, false, dir.resolve("v"), false);
        assertThatThrownBy(() -> PostPkt.run(vocab, CTX, Map.of(), n -> { }, p -> { })).hasMessageContaining("share one tokenizer");
    }

    @Test
    void refusesAnExtractedAdapterNamingModulesTheTargetLacks(@TempDir Path dir) throws IOException {
        PostPkt.Options o = options(dir, false);
        PostPkt.Result x = PostPkt.run(new PostPkt.Options(o.source(), o.target(), o.data(), null, 4, 3, true, 1, 1e-2, 3, 2048, 0.05, 42,
                o.compat(), null, true, dir.resolve("x"), false), CTX, Map.of(), n -> { }, p -> { });
        Path cfg = x.extracted().resolve(PeftAdapter.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"q_proj\"", "\"c_attn\""));
        PostPkt.Options reuse = new PostPkt.Options(o.source(), o.target(), o.data(), null, null, 3, true, 1, 1e-2, 3, 2048, 0.05, 42,
                o.compat(), x.extracted(), false, dir.resolve("y"), false);
        assertThatThrownBy(() -> PostPkt.run(reuse, CTX, Map.of(), n -> { }, p -> { })).isInstanceOf(FormatException.class)
                .hasMessageContaining(PeftAdapter.CONFIG).hasMessageContaining("unknown module 'c_attn'");
        // an adapter made for a deeper model: weights for a layer the target does not have
        Files.writeString(cfg, Files.readString(cfg).replace("\"c_attn\"", "\"q_proj\""));
        Path deep = TinyPair.write(dir.resolve("shallow"), TinyPair.config(24, 1, 4, 40, false), 3, DType.F32);
        PostPkt.Options shallow = new PostPkt.Options(o.source(), deep, o.data(), null, null, 3, true, 1, 1e-2, 3, 2048, 0.05, 42,
                o.compat(), x.extracted(), false, dir.resolve("z"), false);
        assertThatThrownBy(() -> PostPkt.run(shallow, CTX, Map.of(), n -> { }, p -> { })).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.layers.1.").hasMessageContaining("belongs to no adapter");
    }
}
