package org.pkt4j.io.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.testing.Fixtures;

/** llama2.c tokenizer.bin: the stories260K golden texts, run.c's encode rules, and bad files. */
class Llama2cTokenizerTest {

    /** The prompt and greedy continuation as the fixture README prints them (its two code blocks). */
    private static String[] readmeTexts() throws IOException {
        String readme = Files.readString(Fixtures.fixture("stories260K").resolve("README.md"));
        Matcher m = Pattern.compile("```\\n(.*?)\\n```", Pattern.DOTALL).matcher(readme);
        String[] texts = new String[2];
        for (int i = 0; i < 2; i++) {
            assertThat(m.find()).as("README code block %d", i).isTrue();
            texts[i] = m.group(1);
        }
        return texts;
    }

    @Test
    void stories260kPromptAndContinuationDecodeToTheReadmeTexts() throws IOException {
        Llama2cTokenizer tok = Llama2cTokenizer.load(Fixtures.fixture("stories260K").resolve("tok512.bin"));
        SafetensorsFile exp = Fixtures.expected("stories260K");
        int[] input = Fixtures.tensor(exp, "input_ids").toIntArray();
        int[] generated = Fixtures.tensor(exp, "generated_ids").toIntArray();
        String[] texts = readmeTexts();

        assertThat(input[0]).isEqualTo(Llama2cTokenizer.BOS);
        int[] prompt = Arrays.copyOfRange(input, 1, input.length);
        assertThat(tok.decode(prompt)).isEqualTo(texts[0]);
        assertThat(tok.decodeContinuation(prompt, generated)).isEqualTo(texts[1]);
        // decoding with BOS in front gives the same text after BOS's piece, which run.c never prints
        assertThat(tok.decode(input)).isEqualTo(tok.piece(1) + texts[0]);
        assertThat(tok.encode(texts[0])).containsExactly(prompt);
    }

    @Test
    void threeCopiesOfTok512AreTheSameTokenizer() throws IOException {
        Llama2cTokenizer a = Llama2cTokenizer.load(Fixtures.fixture("stories260K").resolve("tok512.bin"));
        Llama2cTokenizer b = Llama2cTokenizer.load(Fixtures.data().resolve("tokenizers/tok512/tok512.bin"));
        assertThat(a.vocabSize()).isEqualTo(512).isEqualTo(b.vocabSize());
        String text = "Once upon a time, Lily met a dragon. 日本 \u00e9t\u00e9 🙂\n\tok";
        assertThat(a.encode(text)).containsExactly(b.encode(text));
    }

    @Test
    void llama2TokenizerBinFollowsRunC() throws IOException {
        Llama2cTokenizer tok = Llama2cTokenizer.load(Fixtures.data().resolve("tokenizers/llama2-sentencepiece/tokenizer.bin"));
        assertThat(tok.vocabSize()).isEqualTo(32000);
        // SentencePiece's Llama-2 ids (also what the HF tokenizer gives): ▁Hello ▁world
        assertThat(tok.encode("Hello world")).containsExactly(15043, 3186);
        assertThat(tok.encode("")).isEmpty();
        // "日" is not a piece: its three UTF-8 bytes become byte tokens (byte + 3), after the dummy prefix "▁"
        int[] ids = tok.encode("\uD840\uDC0B");
        assertThat(ids).containsExactly(29871, 0xF0 + 3, 0xA0 + 3, 0x80 + 3, 0x8B + 3);
        assertThat(tok.decode(ids)).isEqualTo("\uD840\uDC0B");
        // after BOS a leading space is dropped; elsewhere kept; <0x0A> is a raw newline
        assertThat(tok.decode(new int[] {15043, 13, 3186})).isEqualTo("Hello\n world");
        assertThat(tok.decode(new int[] {1, 15043})).isEqualTo("\n<s>\nHello");
        // the text ends at a NUL, as a C string does
        assertThat(tok.encode("Hello\u0000world")).containsExactly(tok.encode("Hello"));
    }

    /**
     * Two independent algorithms on the same vocabulary: run.c's score-driven merges over Meta's tokenizer.bin
     * and Hugging Face's rank-driven BPE over the tokenizer.json (with its NBSP pieces restored) give the same
     * ids on the shipped data. (They differ by design on text with NUL, a literal "▁", or special-token
     * spellings, which llama2.c does not treat specially.)
     */
    @Test
    void llama2TokenizerBinAgreesWithTheHuggingFaceFileOnTheData(@TempDir Path dir) throws IOException {
        Llama2cTokenizer bin = Llama2cTokenizer.load(Fixtures.data().resolve("tokenizers/llama2-sentencepiece/tokenizer.bin"));
        var root = HfReference.read(Fixtures.data().resolve("tokenizers/tinyllama-chat-hf/tokenizer.json"));
        HfReference.pairMerges(root);
        HfReference.restoreNbsp(root);
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, org.pkt4j.io.Json.MAPPER.writeValueAsString(root));
        HfTokenizer hf = HfTokenizer.load(json);
        java.util.List<String> texts = TextSamples.data(Fixtures.data(), 60);
        for (String text : texts) {
            assertThat(bin.encode(text)).as("%s", Differential.escape(text)).containsExactly(hf.encode(text));
        }
        assertThat(texts).hasSizeGreaterThan(1000);
    }

    @Test
    void equalScoresMergeTheLeftmostPairAndNegativeZeroTiesWithZero(@TempDir Path dir) throws IOException {
        // pieces: 3 + 256 byte tokens, then "a" "b" "ab" "ba" with ab and ba scoring -0.0 and 0.0
        Path file = dir.resolve("tie.bin");
        writeBin(file, new String[] {"a", "b", "ab", "ba", " "}, new float[] {-5, -5, -0.0f, 0.0f, -5});
        Llama2cTokenizer tok = Llama2cTokenizer.load(file);
        int a = tok.pieceId("a"), b = tok.pieceId("b"), ab = tok.pieceId("ab"), ba = tok.pieceId("ba");
        int space = tok.pieceId(" ");
        // " aba": (a,b) and (b,a) tie (C compares -0.0 == 0.0), so the leftmost pair (a,b) merges
        assertThat(tok.encode("aba")).containsExactly(space, ab, a);
        assertThat(tok.encode("bab")).containsExactly(space, ba, b);
    }

    @Test
    void truncatedAndForeignFilesAreFormatErrors(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("ok.bin");
        writeBin(good, new String[] {"a"}, new float[] {0});
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> Llama2cTokenizer.load(cut)).isInstanceOf(FormatException.class)
                .hasMessageContaining("cut.bin").hasMessageContaining("token 259");
        Path json = dir.resolve("not.bin");
        Files.writeString(json, "{\"model\": {}}");
        assertThatThrownBy(() -> Llama2cTokenizer.load(json)).isInstanceOf(FormatException.class)
                .hasMessageContaining("not.bin").hasMessageContaining("max_token_length");
    }

    /** A tokenizer.bin with llama2.c's first 259 entries (<unk>, <s>, </s>, bytes) and then {@code extra}. */
    static void writeBin(Path file, String[] extra, float[] scores) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(8);
        String[] first = new String[259];
        first[0] = "<unk>";
        first[1] = "\n<s>\n";
        first[2] = "\n</s>\n";
        for (int b = 0; b < 256; b++) {
            first[b + 3] = String.format("<0x%02X>", b);
        }
        for (int i = 0; i < first.length + extra.length; i++) {
            byte[] p = (i < first.length ? first[i] : extra[i - first.length]).getBytes(StandardCharsets.UTF_8);
            buf.putFloat(i < first.length ? 0f : scores[i - first.length]).putInt(p.length).put(p);
        }
        Files.write(file, Arrays.copyOf(buf.array(), buf.position()));
    }
}
