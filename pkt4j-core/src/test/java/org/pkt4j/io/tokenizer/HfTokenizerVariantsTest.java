package org.pkt4j.io.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/**
 * The tokenizer.json layouts of other Llama-family models, built from the shipped vocabularies and compared
 * with the official Hugging Face implementation: Llama-3 (Split regex + ByteLevel without regex,
 * ignore_merges), Qwen2 (NFC + its regex), Mistral/new Llama conversions (Metaspace), every Split behaviour,
 * and added tokens with lstrip/rstrip/single_word/normalized.
 */
class HfTokenizerVariantsTest {
    /** Llama-3's pre-tokenizer regex, as in Meta-Llama-3's tokenizer.json. */
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's: as Llama-3's but one digit per piece. */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir
    Path tmp;

    private static ObjectNode gpt2() throws IOException {
        return HfReference.read(Fixtures.data().resolve("tokenizers/gpt2/tokenizer.json"));
    }

    private static ObjectNode llama2() throws IOException {
        ObjectNode root = HfReference.read(Fixtures.data().resolve("tokenizers/tinyllama-chat-hf/tokenizer.json"));
        HfReference.pairMerges(root);
        return root;
    }

    private static List<String> texts(int perFile, int random) {
        List<String> texts = new ArrayList<>(TextSamples.data(Fixtures.data(), perFile));
        texts.addAll(TextSamples.edgeCases());
        texts.addAll(TextSamples.random(99, random, 24));
        return texts;
    }

    private Differential.Counts check(String name, ObjectNode root, List<String> texts) throws IOException {
        Path file = tmp.resolve(name + "-java/tokenizer.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.MAPPER.writeValueAsString(root));
        HfTokenizer java = HfTokenizer.load(file);
        try (HfReference ref = HfReference.of(root, tmp.resolve(name + "-ref"))) {
            return Differential.compare(name, java, ref, texts, 300, name.hashCode());
        }
    }

    private static JsonNode json(String s) throws IOException {
        return Json.MAPPER.readTree(s);
    }

    private static ObjectNode addedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip,
                                         boolean singleWord, boolean normalized) {
        return Json.MAPPER.createObjectNode().put("id", id).put("content", content).put("single_word", singleWord)
                .put("lstrip", lstrip).put("rstrip", rstrip).put("normalized", normalized).put("special", special);
    }

    private static ObjectNode splitThenBytes(String patternKind, String pattern, String behavior, boolean invert) {
        ObjectNode split = Json.MAPPER.createObjectNode().put("type", "Split");
        split.putObject("pattern").put(patternKind, pattern);
        split.put("behavior", behavior).put("invert", invert);
        ObjectNode seq = Json.MAPPER.createObjectNode().put("type", "Sequence");
        seq.putArray("pretokenizers").add(split).add(Json.MAPPER.createObjectNode().put("type", "ByteLevel")
                .put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false));
        return seq;
    }

    @Test
    void llama3LayoutMatches() throws IOException {
        ObjectNode root = gpt2();
        root.set("pre_tokenizer", splitThenBytes("Regex", LLAMA3_REGEX, "Isolated", false));
        ((ObjectNode) root.get("model")).put("ignore_merges", true);
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        String[] specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
            "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};
        for (int i = 0; i < specials.length; i++) {
            added.add(addedToken(50257 + i, specials[i], true, false, false, false, false));
        }
        root.set("post_processor", json("""
                {"type": "Sequence", "processors": [
                  {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                  {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}], "pair": [],
                   "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [50257], "tokens": ["<|begin_of_text|>"]}}}]}"""));
        List<String> texts = texts(40, 1000);
        texts.addAll(List.of("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
                "12345678901 1234 99999", "don't DON'T Don'T 'ſ 'K", "a\r\n\r\n  b \n\n\n c", "x!!!\n\n\ny"));
        check("llama3-style", root, texts);
        // BOS from the template, as no config file names one; the Java tokenizer loaded from that directory agrees
        HfTokenizer java = HfTokenizer.load(tmp.resolve("llama3-style-java/tokenizer.json"));
        assertThat(java.bosId()).isEqualTo(50257);
        assertThat(java.eosId()).isEqualTo(-1);
    }

    @Test
    void qwen2LayoutWithNfcMatches() throws IOException {
        ObjectNode root = gpt2();
        root.set("normalizer", json("{\"type\": \"NFC\"}"));
        root.set("pre_tokenizer", splitThenBytes("Regex", QWEN2_REGEX, "Isolated", false));
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        added.add(addedToken(50257, "<|im_start|>", true, false, false, false, false));
        added.add(addedToken(50258, "<|im_end|>", true, false, false, false, false));
        List<String> texts = texts(25, 800);
        texts.addAll(List.of("<|im_start|>user\ne\u0301te\u0301\u0327 A\u030a \u1100\u1161\u11a8<|im_end|>", "Å Å Å ﬁ"));
        check("qwen2-style", root, texts);
    }

    /** Mistral and newer Llama conversions: no normalizer, a Metaspace pre-tokenizer (and decoder). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "metaspace-first    | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"first\", \"split\": false} | seq",
        "metaspace-always   | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\", \"split\": true} | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\", \"split\": true}",
        "metaspace-legacy   | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"add_prefix_space\": true} | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"add_prefix_space\": true}",
        "metaspace-never    | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"never\", \"split\": true} | {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"never\"}",
    })
    void metaspaceLayoutsMatch(String name, String preTokenizer, String decoder) throws IOException {
        ObjectNode root = llama2();
        root.putNull("normalizer");
        root.set("pre_tokenizer", json(preTokenizer));
        if (!decoder.equals("seq")) {
            root.set("decoder", json(decoder));
        }
        check(name, root, texts(8, 400));
    }

    @ParameterizedTest
    @CsvSource({
        "String, ' ', Removed, false", "String, ' ', Isolated, false", "String, ' ', MergedWithPrevious, false",
        "String, ' ', MergedWithNext, false", "String, ' ', Contiguous, false", "Regex, '\\s+', Removed, true",
        "Regex, '\\p{N}', MergedWithPrevious, true", "Regex, '[aeiou]+', MergedWithNext, false",
        "Regex, '\\p{P}', Contiguous, true", "Regex, '(?i:the)', Isolated, false",
    })
    void everySplitBehaviourMatches(String kind, String pattern, String behavior, boolean invert) throws IOException {
        ObjectNode root = gpt2();
        root.set("pre_tokenizer", splitThenBytes(kind, pattern, behavior, invert));
        check("split-" + behavior + "-" + invert + "-" + pattern.hashCode(), root, texts(0, 250));
    }

    @Test
    void addedTokenOptionsAndNormalizersMatch() throws IOException {
        ObjectNode root = gpt2();
        root.set("normalizer", json("""
                {"type": "Sequence", "normalizers": [{"type": "NFKC"},
                  {"type": "Replace", "pattern": {"Regex": "[\\\\t ]{2,}"}, "content": "\\t"}]}"""));
        root.set("pre_tokenizer", json("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true}"));
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        added.add(addedToken(50257, "<mask>", true, true, false, false, false));
        added.add(addedToken(50258, "<R>", false, false, true, false, false));
        added.add(addedToken(50259, "[SW]", false, false, false, true, false));
        added.add(addedToken(50260, "Hello", false, false, false, false, true));   // in the vocabulary: keeps id 15496
        added.add(addedToken(50261, "ﬁx", false, true, true, false, true));       // matched as NFKC "fix"
        added.add(addedToken(50262, "wörd", false, false, false, true, true));
        root.set("decoder", json("""
                {"type": "Sequence", "decoders": [{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                  {"type": "Replace", "pattern": {"String": "\\t"}, "content": "<TAB>"},
                  {"type": "Strip", "content": " ", "start": 2, "stop": 0}]}"""));
        List<String> texts = texts(10, 1000);
        texts.addAll(List.of("a <mask> b", "  <mask>  <R>  x", "<R><R>\n <mask><mask>", "x[SW]y [SW] [SW]x é[SW]",
                "Hello Hello,Hello", "ﬁx fix  ﬁx\tfix", "wörd wörds wörd", "<mask>", " <R> ", "Hello<mask>Hello"));
        check("added-options", root, texts);
    }

    @Test
    void unknownTokensWithoutByteFallbackMatch() throws IOException {
        for (boolean fuse : new boolean[] {true, false}) {
            ObjectNode root = llama2();
            ((ObjectNode) root.get("model")).put("byte_fallback", false).put("fuse_unk", fuse);
            List<String> texts = new ArrayList<>(TextSamples.edgeCases());
            texts.addAll(TextSamples.random(5, 500, 24));
            check("unk-fuse-" + fuse, root, texts);
        }
    }

    @Test
    void noDecoderJoinsTokensWithSpaces() throws IOException {
        ObjectNode root = gpt2();
        root.putNull("decoder");
        check("no-decoder", root, TextSamples.random(3, 200, 10));
    }
}
