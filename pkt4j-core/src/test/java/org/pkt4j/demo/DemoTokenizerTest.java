package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.demo.DemoSplits.Split;
import org.pkt4j.io.Json;

/**
 * The committed demo tokenizer (models/demo/tokenizer.json): rebuilt byte for byte by its command, and read by
 * the official Hugging Face implementation (DJL), which round-trips every demo text and keeps the prompt/response
 * boundary that PKT-SPEC §1's label masking relies on.
 */
class DemoTokenizerTest {
    static DemoSplits splits;
    static HuggingFaceTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        splits = DemoSplits.generate(DemoSplits.DEFAULT_SEED);
        tok = HuggingFaceTokenizer.newInstance(DemoRepo.demo().resolve("tokenizer.json"), Map.of());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void committedFilesAreRebuiltByteForByte(@TempDir Path tmp) throws IOException {
        DemoTokenizer.write(splits, tmp);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertThat(Files.readAllBytes(tmp.resolve(f))).as("%s differs from a fresh `pkt demo-data tokenizer`", f)
                    .isEqualTo(Files.readAllBytes(DemoRepo.demo().resolve(f)));
        }
    }

    @Test
    void vocabularyAndSpecialTokens() throws IOException {
        var json = Json.read(DemoRepo.demo().resolve("tokenizer.json"));
        var vocab = json.get("model").get("vocab");
        assertEquals(DemoTokenizer.VOCAB_SIZE, vocab.size());
        List<String> specials = TokenizerFiles.specialTokens();
        for (int i = 0; i < specials.size(); i++) {
            assertEquals(i, vocab.get(specials.get(i)).asInt());
            assertArrayEquals(new long[] {i}, ids(specials.get(i)), specials.get(i));
        }
        vocab.fieldNames().forEachRemaining(t -> assertThat(t.chars().filter(Character::isDigit).count())
                .as("token %s", t).isLessThanOrEqualTo(1));
        for (String letter : KnowledgeQuestions.LETTERS) {
            assertEquals(1, ids(" " + letter).length, "the answer letter ' " + letter + "' is one token");
        }
        var config = Json.read(DemoRepo.demo().resolve("tokenizer_config.json"));
        assertEquals("<s>", config.get("bos_token").asText());
        assertEquals("</s>", config.get("eos_token").asText());
    }

    @Test
    void everySplitExampleRoundTripsAndItsPromptIsAPrefix() {
        for (String task : DemoSplits.TASKS) {
            for (Split s : Split.values()) {
                for (TaskItem i : splits.items(task, s)) {
                    String full = ChatFormat.full(i.messages());
                    long[] ids = ids(full);
                    assertEquals(full, tok.decode(ids, false), i.id());
                    long[] prompt = ids(ChatFormat.userPrompt(i.messages()));
                    assertArrayEquals(prompt, Arrays.copyOf(ids, prompt.length), i.id() + ": prompt ids are not a prefix");
                    assertEquals(3, ids[0], i.id() + ": starts with <|user|>");
                    assertThat(ids).as(i.id()).contains(4L);
                }
            }
        }
    }

    @Test
    void corpusDocumentsRoundTrip() {
        DemoCorpus c = DemoCorpus.of(splits, CorpusRecipe.target());
        long chars = 0, tokens = 0;
        for (int i = 0; i < 3000; i++) {
            String d = c.document(i);
            long[] ids = ids(d);
            assertEquals(d, tok.decode(ids, false), "document " + i);
            chars += d.length();
            tokens += ids.length;
        }
        // the sample the tokenizer was trained on compresses demo text to about 3 characters per token
        assertThat((double) chars / tokens).isBetween(2.5, 4.5);
    }

    private static long[] ids(String text) {
        return tok.encode(text, true, false).getIds();
    }
}
