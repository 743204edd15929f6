package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * The committed demo pair (models/demo/source, models/demo/target) is what its configs say: it loads, its
 * shapes and dtype are the configs', its tokenizer is the demo tokenizer with the config's vocabulary, the pair
 * keeps the size rules, and greedy generation on a knowledge prompt runs. Accuracy is the demo run's business.
 */
class DemoModelsTest {

    @Test
    void bothModelsMatchTheirConfigsAndGenerate() throws IOException {
        long[] params = new long[2];
        long bytes = 0;
        int k = 0;
        for (String which : List.of("source", "target")) {
            Path dir = DemoRepo.demo().resolve(which);
            PretrainConfig cfg = PretrainConfig.read(DemoRepo.demo().resolve(which + ".pretrain.json"));
            Llama model = Llama.open(dir);
            LlamaConfig c = model.config();
            assertEquals(cfg.llama(), c, which + ": config.json is the config's model block");
            assertEquals(HfConfig.parse(dir.resolve("config.json"), cfg.model()), c);
            for (Tensor t : model.tensors().values()) {
                assertEquals(DType.BF16, t.dtype(), which + " " + t.name());
            }
            params[k++] = model.tensors().values().stream().mapToLong(Tensor::numel).sum();
            assertEquals(Json.read(dir.resolve("pretrain.json")).get("parameters").asLong(), params[k - 1]);

            Tokenizer tok = Tokenizers.load(dir);
            assertEquals(c.vocabSize(), tok.vocabSize(), which + ": tokenizer vocabulary = vocab_size");
            assertEquals(Files.readString(DemoRepo.demo().resolve("tokenizer.json")), Files.readString(dir.resolve("tokenizer.json")));
            assertTrue(c.eosTokenIds().contains(tok.eosId()));

            TaskItem q = DemoSplits.generate(DemoSplits.DEFAULT_SEED).items(DemoSplits.KNOWLEDGE, DemoSplits.Split.TEST).getFirst();
            int[] prompt = tok.encode(ChatFormat.userPrompt(q.messages()));
            int[] out = new Generator(new LlamaForward(model, ExecutionContext.of(2)))
                    .generate(prompt, 8, Sampler.greedy(), true, (Generator.TokenListener) id -> { });
            assertThat(out.length).isBetween(1, 8);
            for (int id : out) {
                assertThat(id).isBetween(0, c.vocabSize() - 1);
            }
            try (Stream<Path> files = Files.list(dir)) {
                bytes += files.mapToLong(p -> p.toFile().length()).sum();
            }
        }
        assertThat((double) params[0] / params[1]).as("source/target parameters").isBetween(4.0, 8.0);
        assertThat(bytes).as("both model directories").isLessThan(20_000_000L);
    }
}
