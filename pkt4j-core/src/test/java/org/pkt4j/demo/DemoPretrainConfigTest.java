package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.LlamaConfig;

/**
 * The planned pretraining configs (models/demo/*.pretrain.json) agree with the code and with DESIGN.md: their
 * corpus is the recipe the code calls source/target, their model block is a valid config.json, the pair fits
 * the size plan, and the tokenizer they name is the committed one.
 */
class DemoPretrainConfigTest {

    private static JsonNode config(String which) throws IOException {
        return Json.read(DemoRepo.demo().resolve(which + ".pretrain.json"));
    }

    private static LlamaConfig model(String which) throws IOException {
        Path file = DemoRepo.demo().resolve(which + ".pretrain.json");
        return HfConfig.parse(file, config(which).get("model"));
    }

    @Test
    void corpusBlocksAreTheRecipesOfTheCode() throws IOException {
        assertEquals(CorpusRecipe.source(), Json.MAPPER.treeToValue(config("source").get("data").get("corpus"), CorpusRecipe.class));
        assertEquals(CorpusRecipe.target(), Json.MAPPER.treeToValue(config("target").get("data").get("corpus"), CorpusRecipe.class));
        for (String which : new String[] {"source", "target"}) {
            assertEquals(DemoSplits.DEFAULT_SEED, config(which).get("data").get("data_seed").asLong());
            assertEquals("pkt4j-pretrain/1", config(which).get("format").asText());
        }
    }

    @Test
    void modelPairFitsThePlan() throws IOException {
        LlamaConfig s = model("source"), t = model("target");
        double ratio = (double) s.parameterCount() / t.parameterCount();
        assertThat(ratio).as("source/target parameters").isBetween(4.0, 8.0);
        long bf16Bytes = 2 * (s.parameterCount() + t.parameterCount());
        assertThat(bf16Bytes).as("both models in BF16").isLessThan(20_000_000L);
        assertThat(s.numLayers()).isGreaterThan(t.numLayers());
        assertThat(s.hiddenSize()).isGreaterThan(t.hiddenSize());
        assertEquals(2_853_312L, s.parameterCount());
        assertEquals(541_536L, t.parameterCount());
    }

    @Test
    void modelsUseTheCommittedTokenizer() throws IOException {
        JsonNode tok = Json.read(DemoRepo.demo().resolve("tokenizer.json"));
        int vocab = tok.get("model").get("vocab").size();
        for (String which : new String[] {"source", "target"}) {
            LlamaConfig c = model(which);
            assertEquals(vocab, c.vocabSize());
            assertEquals(tok.get("model").get("vocab").get(TokenizerFiles.BOS).asInt(), c.bosTokenId());
            assertEquals(List.of(tok.get("model").get("vocab").get(TokenizerFiles.EOS).asInt()), c.eosTokenIds());
            assertEquals("tokenizer.json", config(which).get("tokenizer").asText());
        }
    }
}
