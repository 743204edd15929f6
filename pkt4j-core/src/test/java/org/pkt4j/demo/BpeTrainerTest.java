package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte-level BPE trainer on small hand-checked inputs, and its files read by the official implementation. */
class BpeTrainerTest {

    @Test
    void gpt2ByteMapMatchesTheReference() {
        assertEquals("Ġ", String.valueOf(ByteLevel.symbol(' ')));
        assertEquals("Ċ", String.valueOf(ByteLevel.symbol('\n')));
        assertEquals("a", String.valueOf(ByteLevel.symbol('a')));
        assertEquals((char) 256, ByteLevel.symbol(0));
        assertEquals((char) 0xA1, ByteLevel.symbol(0xA1));
        assertEquals((char) 0x143, ByteLevel.symbol(0xAD)); // the soft hyphen is the last remapped byte: 256 + 67
        // "\s+(?!\S)" leaves the last space of a run to the word after it
        assertEquals(List.of("Hello", ",", "Ġworld", "'s", "Ġ12", "ĊĠĠ", "Ġx"), ByteLevel.pieces("Hello, world's 12\n   x"));
    }

    /**
     * Pieces "ab", "Ġab", 3 × "Ġabc", 2 × "Ġxy". Worked by hand: (a,b) 5 → "ab"; (Ġ,ab) 4 → "Ġab"; (Ġab,c) 3
     * → "Ġabc"; then (Ġ,x) and (x,y) tie at 2 and the smaller ids win: Ġ (1 + 0x20) before x (1 + 0x78).
     */
    @Test
    void mergesTheMostFrequentPairFirstAndBreaksTiesByIds() {
        BpeTrainer.Model m = BpeTrainer.train(List.of("ab ab abc abc abc xy xy"), 1 + 256 + 4, List.of("<s>"), 2);
        assertThat(m.merges()).extracting(p -> p[0] + " " + p[1]).containsExactly("a b", "Ġ ab", "Ġab c", "Ġ x");
        assertEquals("<s>", m.vocab().get(0));
        assertEquals("a", m.vocab().get(1 + 'a'));
        assertEquals(List.of("ab", "Ġab", "Ġabc", "Ġx"), m.vocab().subList(257, 261));
    }

    @Test
    void neverMergesTwoDigitsAndStopsWhenPairsRunOut() {
        BpeTrainer.Model m = BpeTrainer.train(List.of("12 12 12 12 123 123 1 1 1"), 400, List.of(), 2);
        for (String t : m.vocab()) {
            assertThat(t.chars().filter(Character::isDigit).count()).as(t).isLessThanOrEqualTo(1);
        }
        assertThat(m.merges()).extracting(p -> p[0] + " " + p[1]).contains("Ġ 1");
        assertThat(m.vocab().size()).isLessThan(400);
    }

    @Test
    void specialTokensAreCutOutBeforeCounting() {
        var counts = BpeTrainer.countPieces(List.of("<|user|>\nhi<|assistant|>\nhi"), List.of("<|user|>", "<|assistant|>"));
        assertEquals(Map.of("Ċ", 2, "hi", 2), counts);
    }

    @Test
    void rejectsAVocabularyBelowTheByteAlphabet() {
        var e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(List.of("a"), 100, List.of("<s>"), 2));
        assertThat(e.getMessage()).contains("100").contains("257");
    }

    @Test
    void theOfficialTokenizersLibraryReadsTheFileAndRoundTripsAnyText(@TempDir Path dir) throws IOException {
        List<String> texts = List.of("<|user|>\nThe cat sat on the mat. The cat ate 12 fish.\n\n<|assistant|>\nYes.\n\n",
                "the the the cat cat mat 7 x 8 = 56.");
        BpeTrainer.Model m = BpeTrainer.train(texts, 5 + 256 + 30, TokenizerFiles.specialTokens(), 2);
        TokenizerFiles.write(m, 64, dir);
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of())) {
            for (String s : List.of(texts.get(0), "Zürich — naïve café 東京 🙂 \u00a0tab\there\r\n  end ", "<s>x</s><|system|>")) {
                long[] ids = tok.encode(s, true, false).getIds();
                assertEquals(s, tok.decode(ids, false), "round trip");
            }
            long[] ids = tok.encode("<|user|>\nthe cat", true, false).getIds();
            assertEquals(3, ids[0], "<|user|> is one added token");
            assertEquals(m.vocab().indexOf("Ċ"), ids[1]);
            assertEquals("the cat", tok.decode(java.util.Arrays.copyOfRange(ids, 2, ids.length), false));
            assertThat(ids).as("no BOS or EOS added").doesNotContain(0L, 1L);
            assertThat(ids.length).as("merges apply").isLessThan(2 + "the cat".length());
        }
    }
}
