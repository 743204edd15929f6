package org.pkt4j.io.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/**
 * The shipped {@code tokenizer.json} files (shared/data/tokenizers) against the official Hugging Face
 * implementation on the shipped task and benchmark data, hand-written edge cases and random strings.
 */
class HfTokenizerReferenceTest {
    private static final int PER_FILE = 120;  // records per data file: ~4,000 texts in all
    private static final int RANDOM_TEXTS = 1_500;
    private static final int RANDOM_DECODES = 1_500;

    @TempDir
    Path tmp;

    private static List<String> texts() {
        List<String> texts = new ArrayList<>(TextSamples.data(Fixtures.data(), PER_FILE));
        texts.addAll(TextSamples.edgeCases());
        texts.addAll(TextSamples.random(20261128L, RANDOM_TEXTS, 24));
        return texts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama2-hf", "tinyllama-chat-hf"})
    void shippedTokenizerMatchesHuggingFace(String name) throws IOException {
        Path file = Fixtures.data().resolve("tokenizers").resolve(name).resolve("tokenizer.json");
        HfTokenizer java = HfTokenizer.load(file);
        ObjectNode root = HfReference.read(file);
        List<String> rewritten = HfReference.pairMerges(root);
        if (name.equals("gpt2")) {
            assertThat(rewritten).isEmpty();
        } else {
            // the three merges whose pieces lost their NBSP (MANIFEST caveat) are the only ones cut by the vocabulary
            assertThat(rewritten).containsExactly("   ", "     ", "▁  ");
        }
        try (HfReference ref = HfReference.of(root, tmp.resolve(name))) {
            Differential.compare(name, java, ref, texts(), RANDOM_DECODES, 7);
        }
    }

    /** The Llama-2 vocabulary with its U+00A0 pieces put back, i.e. Meta's tokenizer as Hugging Face ships it. */
    @Test
    void llama2WithNbspRestoredMatchesHuggingFace() throws IOException {
        ObjectNode root = HfReference.read(Fixtures.data().resolve("tokenizers/tinyllama-chat-hf/tokenizer.json"));
        HfReference.pairMerges(root);
        HfReference.restoreNbsp(root);
        Path file = tmp.resolve("java/tokenizer.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.MAPPER.writeValueAsString(root));
        HfTokenizer java = HfTokenizer.load(file);
        assertThat(java.encode("a\u00a0b")).as("NBSP is piece 30081 again").contains(30081);
        List<String> texts = texts();
        texts.addAll(List.of("\u00a0", "\u00a0\u00a0", "\u00a0\u00a0\u00a0\u00a0", " \u00a0x", "x\u00a0\u00a0\u00a0y"));
        try (HfReference ref = HfReference.of(root, tmp.resolve("ref"))) {
            Differential.compare("llama2 (NBSP restored)", java, ref, texts, RANDOM_DECODES, 8);
        }
    }

    @Test
    void bosAndEosComeFromTheConfigFiles() throws IOException {
        Path dir = Fixtures.data().resolve("tokenizers");
        Tokenizer gpt2 = Tokenizers.load(dir.resolve("gpt2"));
        assertThat(gpt2.bosId()).isEqualTo(50256).isEqualTo(gpt2.eosId()).isEqualTo(gpt2.pieceId("<|endoftext|>"));
        assertThat(gpt2.vocabSize()).isEqualTo(50257);
        for (String name : List.of("llama2-hf", "tinyllama-chat-hf")) {
            Tokenizer t = Tokenizers.load(dir.resolve(name));
            assertThat(t.bosId()).as(name).isEqualTo(1);
            assertThat(t.eosId()).as(name).isEqualTo(2);
            assertThat(t.vocabSize()).as(name).isEqualTo(32000);
            assertThat(t.piece(1)).isEqualTo("<s>");
            assertThat(t.encode("Hello world")).as("encode adds no BOS").containsExactly(15043, 3186);
        }
    }
}
