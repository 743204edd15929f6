package org.pkt4j.io.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * Loading (what a path means, errors that name the file) and small synthetic tokenizers checked against
 * Hugging Face; needs no shared data.
 */
class TokenizersTest {
    @TempDir
    Path tmp;

    /**
     * A byte-level BPE over the 256 byte characters with a few merges, GPT-2 pre-tokenizer and decoder, and
     * {@code <|eos|>} as an added special token.
     */
    private static ObjectNode tinyByteLevel() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.byteChar(b)), b);
        }
        ArrayNode merges = model.putArray("merges");
        int id = 256;
        for (String m : new String[] {"Ġ t", "h e", "Ġt he", "i n", "in g", "Ġ a", "Ġa n", "Ġan d", "Ċ Ċ"}) {
            merges.add(m);
            vocab.put(m.replace(" ", ""), id++);
        }
        vocab.put("<|eos|>", id);
        root.putArray("added_tokens").addObject().put("id", id).put("content", "<|eos|>").put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        return root;
    }


    private Path write(String name, Object root) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, root instanceof String s ? s : Json.MAPPER.writeValueAsString(root));
        return file;
    }

    private void compareWithHuggingFace(String name, ObjectNode root, List<String> texts) throws IOException {
        HfTokenizer java = HfTokenizer.load(write(name + "/tokenizer.json", root));
        try (HfReference ref = HfReference.of(root, tmp.resolve(name + "-ref"))) {
            Differential.compare(name, java, ref, texts, 200, 11);
        }
    }

    @Test
    void tinyByteLevelTokenizerMatchesHuggingFace() throws IOException {
        List<String> texts = new ArrayList<>(TextSamples.edgeCases());
        texts.addAll(TextSamples.random(1, 300, 16));
        texts.addAll(List.of("the thing and the ring<|eos|>", "<|eos|><|eos|>", "<|eos"));
        compareWithHuggingFace("tiny", tinyByteLevel(), texts);
    }

    /** WordPiece-style BPE (continuing_subword_prefix, end_of_word_suffix), an unk token, no decoder. */
    @Test
    void subwordPrefixAndSuffixMatchHuggingFace() throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", "<unk>")
                .put("continuing_subword_prefix", "##").put("end_of_word_suffix", "</w>");
        ObjectNode vocab = model.putObject("vocab");
        String[] pieces = {"<unk>", "a", "b", "c", "##a", "##b", "##c", "a</w>", "b</w>", "c</w>", "##a</w>", "##b</w>",
            "##c</w>", "ab", "abc</w>", "##bc</w>", "ba</w>"};
        for (int i = 0; i < pieces.length; i++) {
            vocab.put(pieces[i], i);
        }
        model.putArray("merges").add("a ##b").add("ab ##c</w>").add("##b ##c</w>")
                .add("b ##a</w>");
        root.putObject("pre_tokenizer").put("type", "Split").put("behavior", "Removed").put("invert", false)
                .putObject("pattern").put("String", " ");
        root.putNull("decoder");
        root.putArray("added_tokens");
        compareWithHuggingFace("subword", root, List.of("abc", "ab", "a b c", "ba cab abca", "abcabc x", "bbc", "", " ", "xyz a"));
    }

    @Test
    void pathsResolveToTheRightFormat() throws IOException {
        Path dir = tmp.resolve("model");
        write("model/tokenizer.json", tinyByteLevel());
        Llama2cTokenizerTest.writeBin(dir.resolve("tokenizer.bin"), new String[] {" "}, new float[] {0});
        assertThat(Tokenizers.load(dir)).isInstanceOf(HfTokenizer.class);
        assertThat(Tokenizers.load(dir.resolve("tokenizer.bin"))).isInstanceOf(Llama2cTokenizer.class);
        Files.delete(dir.resolve("tokenizer.json"));
        assertThat(Tokenizers.load(dir)).isInstanceOf(Llama2cTokenizer.class);
        Files.delete(dir.resolve("tokenizer.bin"));
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.toString());
        assertThatThrownBy(() -> Tokenizers.load(tmp.resolve("absent.json"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent.json");
    }

    @Test
    void badFilesAreFormatErrorsNamingFileAndKey() throws IOException {
        assertFormatError(write("bad1/tokenizer.json", "{\"model\": {\"type\": \"BPE\", "), "malformed JSON");
        ObjectNode wordPiece = tinyByteLevel();
        ((ObjectNode) wordPiece.get("model")).put("type", "WordPiece");
        assertFormatError(write("bad2/tokenizer.json", wordPiece), "unsupported model type 'WordPiece'");
        ObjectNode whitespace = tinyByteLevel();
        whitespace.putObject("pre_tokenizer").put("type", "Whitespace");
        assertFormatError(write("bad3/tokenizer.json", whitespace), "unsupported pre_tokenizer type 'Whitespace'");
        ObjectNode lowercase = tinyByteLevel();
        lowercase.putObject("normalizer").put("type", "Lowercase");
        assertFormatError(write("bad4/tokenizer.json", lowercase), "unsupported normalizer type 'Lowercase'");
        ObjectNode wordPieceDecoder = tinyByteLevel();
        wordPieceDecoder.putObject("decoder").put("type", "WordPiece");
        assertFormatError(write("bad5/tokenizer.json", wordPieceDecoder), "unsupported decoder type 'WordPiece'");
        ObjectNode badMerge = tinyByteLevel();
        ((ArrayNode) badMerge.get("model").get("merges")).add("Ġ q");
        assertFormatError(write("bad6/tokenizer.json", badMerge), "'Ġq' is not in the vocabulary");
        ObjectNode twoSpaces = tinyByteLevel();
        ((ArrayNode) twoSpaces.get("model").get("merges")).add("a b c");
        assertFormatError(write("bad7/tokenizer.json", twoSpaces), "expected two pieces separated by one space");
        ObjectNode dropout = tinyByteLevel();
        ((ObjectNode) dropout.get("model")).put("dropout", 0.1);
        assertFormatError(write("bad8/tokenizer.json", dropout), "dropout");
        Path file = write("bad9/tokenizer.json", tinyByteLevel());
        write("bad9/tokenizer_config.json", "{\"bos_token\": \"<s>\"}");
        assertThatThrownBy(() -> Tokenizers.load(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining("tokenizer_config.json").hasMessageContaining("bos_token '<s>'");
    }

    private static void assertFormatError(Path file, String message) {
        assertThatThrownBy(() -> Tokenizers.load(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(message);
    }

    @Test
    void bosAndEosFollowTheConfigFiles() throws IOException {
        Path file = write("cfg/tokenizer.json", tinyByteLevel());
        Tokenizer none = Tokenizers.load(file);
        assertThat(none.bosId()).isEqualTo(-1);
        assertThat(none.eosId()).isEqualTo(-1);
        write("cfg/special_tokens_map.json", "{\"eos_token\": {\"content\": \"<|eos|>\"}, \"bos_token\": \"<|eos|>\"}");
        write("cfg/tokenizer_config.json", "{\"bos_token\": null}");
        Tokenizer t = Tokenizers.load(file);
        assertThat(t.bosId()).as("tokenizer_config.json's null wins over special_tokens_map.json").isEqualTo(-1);
        assertThat(t.eosId()).isEqualTo(t.pieceId("<|eos|>")).isEqualTo(265);
        assertThat(t.decodeContinuation(t.encode("the"), t.encode(" thing"))).isEqualTo(" thing");
    }
}
