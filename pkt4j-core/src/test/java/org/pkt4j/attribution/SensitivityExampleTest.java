package org.pkt4j.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.ChatRecord.Message;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.testing.Fixtures;

/**
 * The seed-example template (the reference's get_content + tokenize), checked against the ids and labels the
 * fixture {@code pkt_pair} stores for its two Post-Align seed examples, through a toy tokenizer with the fixture's
 * ids: 1 BOS, 2 EOS, 3/4/5 the role markers, 6 {@code "\n\n"}, and word {@code wK} = id K.
 */
class SensitivityExampleTest {

    /** The fixture's toy vocabulary; special strings are split out of the text as Hugging Face does. */
    static final class ToyTokenizer implements Tokenizer {
        private static final List<String> SPECIAL = List.of("<unk>", "<s>", "</s>", "<|system|>\n", "<|user|>\n", "<|assistant|>\n", "\n\n");

        @Override
        public int[] encode(String text) {
            List<Integer> out = new ArrayList<>();
            int i = 0;
            outer:
            while (i < text.length()) {
                for (int k = 0; k < SPECIAL.size(); k++) {
                    if (text.startsWith(SPECIAL.get(k), i)) {
                        out.add(k);
                        i += SPECIAL.get(k).length();
                        continue outer;
                    }
                }
                if (text.charAt(i) == ' ') {
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < text.length() && Character.isDigit(text.charAt(j))) {
                    j++;
                }
                assertThat(text.charAt(i)).isEqualTo('w');
                out.add(Integer.parseInt(text.substring(i + 1, j)));
                i = j;
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int vocabSize() {
            return 128;
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
            return id < SPECIAL.size() ? SPECIAL.get(id) : "w" + id;
        }

        @Override
        public int pieceId(String piece) {
            return SPECIAL.indexOf(piece);
        }
    }

    static ChatRecord record(String... roleText) {
        List<Message> m = new ArrayList<>();
        for (int i = 0; i < roleText.length; i += 2) {
            m.add(new Message(roleText[i], roleText[i + 1]));
        }
        return new ChatRecord(m, Map.of(), 1);
    }

    static String words(int[] ids, int from, int to) {
        StringBuilder sb = new StringBuilder(" ");
        for (int i = from; i < to; i++) {
            sb.append('w').append(ids[i]).append(' ');
        }
        return sb.toString();
    }

    @Test
    void reproducesTheFixtureSeedExamples() {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        int[] ids0 = Fixtures.tensor(exp, "pa.0.input_ids").toIntArray();
        int[] ids1 = Fixtures.tensor(exp, "pa.1.input_ids").toIntArray();
        // pa.0 = [1, 3, sys(3 words), 6, 4, user(6), 6, 5, answer(5), 2]; pa.1 = [1, 4, user(7), 6, 5, answer(4), 2]
        ChatRecord r0 = record("system", words(ids0, 2, 5), "user", words(ids0, 7, 13), "assistant", words(ids0, 15, 20));
        ChatRecord r1 = record("user", words(ids1, 2, 9), "assistant", words(ids1, 11, 15));
        ToyTokenizer tok = new ToyTokenizer();
        SensitivityExample e0 = SensitivityExample.fromChat(r0, tok, 2048);
        SensitivityExample e1 = SensitivityExample.fromChat(r1, tok, 2048);
        assertThat(e0.ids()).containsExactly(ids0);
        assertThat(e0.labels()).containsExactly(Fixtures.tensor(exp, "pa.0.labels").toIntArray());
        assertThat(e1.ids()).containsExactly(ids1);
        assertThat(e1.labels()).containsExactly(Fixtures.tensor(exp, "pa.1.labels").toIntArray());
    }

    @Test
    void earlierAnswersEndWithEosAndTruncationKeepsBos() {
        ToyTokenizer tok = new ToyTokenizer();
        ChatRecord r = record("user", "w10", "assistant", "w11 w12", "user", "w13", "assistant", "w14");
        SensitivityExample e = SensitivityExample.fromChat(r, tok, 2048);
        assertThat(e.ids()).containsExactly(1, 4, 10, 6, 5, 11, 12, 2, 4, 13, 6, 5, 14, 2);
        assertThat(e.labels()).containsExactly(-100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, 14, 2);
        SensitivityExample cut = SensitivityExample.fromChat(r, tok, 13);
        assertThat(cut.ids()).hasSize(13).startsWith(1);
        assertThat(cut.scoredTokens()).isEqualTo(1);
    }

    @Test
    void readsTheFirstRecordsOfADataFileAndSkipsUnscoredOnes(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, """
                {"input_ids": [1, 4, 9, 5, 10, 2], "labels": [-100, -100, -100, -100, 10, 2]}
                {"input_ids": [1, 4, 9, 5], "labels": [-100, -100, -100, -100]}
                {"input_ids": [1, 4, 9, 5, 11, 2], "labels": [-100, -100, -100, -100, 11, 2]}
                {"input_ids": [1, 4, 9, 5, 12, 2], "labels": [-100, -100, -100, -100, 12, 2]}
                """);
        SensitivityExample.Seeds s = SensitivityExample.fromDataFile(DataFile.read(f), null, 3, 2048, 32);
        assertThat(s.examples()).hasSize(2);
        assertThat(s.skipped()).isEqualTo(1);
        assertThat(s.examples().get(1).ids()).containsExactly(1, 4, 9, 5, 11, 2);
        assertThatThrownBy(() -> SensitivityExample.fromDataFile(DataFile.read(f), null, 3, 2048, 11))
                .isInstanceOf(FormatException.class).hasMessageContaining("line 3").hasMessageContaining("id 11 at position 4").hasMessageContaining("vocabulary [0, 11)");
    }

    @Test
    void refusesARecordThatDoesNotEndWithTheAnswer() {
        assertThatThrownBy(() -> SensitivityExample.fromChat(record("user", "w9"), new ToyTokenizer(), 2048))
                .hasMessageContaining("last message must be the assistant's answer");
    }
}
