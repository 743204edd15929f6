package org.pkt4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;

/** Data preparation for fine-tuning: chat rendering and masking (with a test tokenizer), truncation, skipping. */
class FineTuningTest {

    /** One id per character (id = 3 + code % 90), EOS = 2: a prefix of a text encodes to a prefix of its ids. */
    static final Tokenizer CHARS = new Tokenizer() {
        @Override
        public int[] encode(String text) {
            return text.chars().map(c -> 3 + c % 90).toArray();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int vocabSize() {
            return 93;
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public String piece(int id) {
            return "";
        }

        @Override
        public int pieceId(String piece) {
            return -1;
        }
    };

    static final String RECORD = "{\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"4\"}]}";

    @Test
    void chatRecordsAreRenderedAndMaskedAsTheSpecSays(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("chat.jsonl");
        Files.writeString(f, RECORD + "\n");
        DataFile file = DataFile.read(f);
        String prompt = ChatFormat.userPrompt(file.chat().getFirst().messages());
        String full = ChatFormat.full(file.chat().getFirst().messages());
        assertEquals("<|user|>\n2+2?\n\n<|assistant|>\n", prompt);
        assertEquals(prompt + "4\n\n", full);

        FineTuning.Prepared ref = FineTuning.prepare(file, CHARS, 100, 768, false, TokenizedExample.Compat.REFERENCE);
        TokenizedExample ex = ref.examples().getFirst();
        int[] ids = Arrays.copyOf(CHARS.encode(full), full.length() + 1);
        ids[full.length()] = 2;
        assertArrayEquals(ids, ex.ids());
        // reference quirk: prompt length + 1 leading -100s, so "4" is not scored; "\n\n" and EOS are
        assertEquals(prompt.length() + 1, (int) Arrays.stream(ex.labels()).filter(l -> l == -100).count());
        assertEquals(3, ex.scoredTokens());
        FineTuning.Prepared exact = FineTuning.prepare(file, CHARS, 100, 768, false, TokenizedExample.Compat.EXACT);
        assertEquals(4, exact.examples().getFirst().scoredTokens());
        FineTuning.Prepared inputs = FineTuning.prepare(file, CHARS, 100, 768, true, TokenizedExample.Compat.REFERENCE);
        assertEquals(ids.length - 1, inputs.examples().getFirst().scoredTokens());

        // a cutoff inside the prompt leaves nothing scored: skipped; if every record is, it is an error
        FormatException e = assertThrows(FormatException.class,
                () -> FineTuning.prepare(file, CHARS, 100, 10, false, TokenizedExample.Compat.REFERENCE));
        assertTrue(e.getMessage().contains("no example has a scored label"), e.getMessage());
        Files.writeString(f, RECORD + "\n" + RECORD.replace("2+2?", "a much longer question than the other") + "\n");
        FineTuning.Prepared cut = FineTuning.prepare(DataFile.read(f), CHARS, 100, 32, false, TokenizedExample.Compat.REFERENCE);
        assertEquals(1, cut.examples().size());
        assertEquals(1, cut.truncated());
        assertEquals(1, cut.skipped());
    }

    @Test
    void recordsThatDoNotEndWithTheAnswerAreRefusedWithTheirLine(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("chat.jsonl");
        Files.writeString(f, RECORD + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n");
        FormatException e = assertThrows(FormatException.class,
                () -> FineTuning.prepare(DataFile.read(f), CHARS, 100, 64, false, TokenizedExample.Compat.EXACT));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("assistant"), e.getMessage());
    }
}
