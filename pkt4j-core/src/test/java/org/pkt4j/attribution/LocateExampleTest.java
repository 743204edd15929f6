package org.pkt4j.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;

/** Building locate examples from chat records (the reference's prompt + stripped truth) and from ids. */
class LocateExampleTest {

    /** One id per character (its code): enough to see exactly which text was tokenized. */
    static final Tokenizer CHARS = new Tokenizer() {
        @Override
        public int[] encode(String text) {
            return text.chars().toArray();
        }

        @Override
        public String decode(int[] ids) {
            return new String(ids, 0, ids.length);
        }

        @Override
        public int vocabSize() {
            return 128;
        }

        @Override
        public int bosId() {
            return -1;
        }

        @Override
        public int eosId() {
            return -1;
        }

        @Override
        public String piece(int id) {
            return Character.toString(id);
        }

        @Override
        public int pieceId(String piece) {
            return piece.length() == 1 ? piece.charAt(0) : -1;
        }
    };

    static ChatRecord chat(String user, String answer) {
        return new ChatRecord(List.of(new ChatRecord.Message("user", user), new ChatRecord.Message("assistant", answer)),
                Map.of("id", "r1"), 1);
    }

    @Test
    void truthLosesTrailingPunctuationAndTheExampleEndsOnItsLastId() {
        LocateExample e = LocateExample.fromChat(chat("  What is 6*7? ", "The answer is (42).\" ]\n"), CHARS);
        String text = "<|user|>\nWhat is 6*7?\n\n<|assistant|>\nThe answer is (42";
        assertEquals("r1", e.id());
        assertEquals('2', e.targetId());
        assertArrayEquals(text.substring(0, text.length() - 1).chars().toArray(), e.contextIds());
    }

    @Test
    void anAnswerEmptyAfterStrippingIsRefused() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> LocateExample.fromChat(chat("q", " .\n]),\" "), CHARS));
        assertTrue(ex.getMessage().contains("empty after stripping"), ex.getMessage());
    }

    @Test
    void aRecordNotEndingInTheAssistantIsRefused() {
        ChatRecord r = new ChatRecord(List.of(new ChatRecord.Message("user", "q")), Map.of(), 3);
        assertThrows(IllegalArgumentException.class, () -> LocateExample.fromChat(r, CHARS));
    }

    @Test
    void dataFilesGiveExamplesOrNameTheOffendingLine(@TempDir Path dir) throws IOException {
        Path ids = dir.resolve("ids.jsonl");
        Files.writeString(ids, "{\"context_ids\": [4, 10, 81], \"target_id\": 96}\n{\"context_ids\": [5], \"target_id\": 7}\n");
        List<LocateExample> ex = LocateExample.fromDataFile(DataFile.read(ids), null);
        assertEquals(2, ex.size());
        assertArrayEquals(new int[] {4, 10, 81}, ex.get(0).contextIds());
        assertEquals(96, ex.get(0).targetId());
        assertEquals("line-2", ex.get(1).id());

        Path training = dir.resolve("train.jsonl");
        Files.writeString(training, "{\"input_ids\": [1, 2, 3], \"labels\": [-100, 2, 3]}\n");
        FormatException fe = assertThrows(FormatException.class, () -> LocateExample.fromDataFile(DataFile.read(training), null));
        assertTrue(fe.getMessage().contains("train.jsonl: line 1: a training record"), fe.getMessage());

        Path chat = dir.resolve("chat.jsonl");
        Files.writeString(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"A\"}]}\n"
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"...\"}]}\n");
        fe = assertThrows(FormatException.class, () -> LocateExample.fromDataFile(DataFile.read(chat), CHARS));
        assertTrue(fe.getMessage().contains("chat.jsonl: line 2:") && fe.getMessage().contains("empty"), fe.getMessage());
        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"AB.\"}]}\n");
        assertThrows(IllegalArgumentException.class, () -> LocateExample.fromDataFile(DataFile.read(good), null));
        LocateExample e = LocateExample.fromDataFile(DataFile.read(good), CHARS).getFirst();
        assertEquals('B', e.targetId());
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        LocateExample e = new LocateExample("x", new int[] {1, 200}, 3);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.checkVocab(128));
        assertTrue(ex.getMessage().contains("200"), ex.getMessage());
    }
}
