package org.pkt4j.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;

/**
 * Writes a trained byte-level BPE as the three Hugging Face tokenizer files, laid out as GPT-2's
 * {@code tokenizer.json} is (ByteLevel pre-tokenizer, post-processor and decoder; a BPE model with string
 * merges "a b"), so that both the official {@code tokenizers} library and pkt4j's reader load it.
 *
 * <p>The special tokens are added tokens that match raw text ({@code normalized: false}): the chat markers
 * of PKT-SPEC §1 ({@code <|user|>} ...) are rendered as text and still encode as one id each. No BOS or EOS is
 * added on encode (no template post-processor), as PKT-SPEC §1 tokenizes.
 */
public final class TokenizerFiles {
    private TokenizerFiles() {
    }

    /** The demo tokenizer's beginning- and end-of-sequence tokens. */
    public static final String BOS = "<s>", EOS = "</s>";
    /** The chat markers of PKT-SPEC §1, one token each. */
    public static final List<String> CHAT_MARKERS = List.of("<|system|>", "<|user|>", "<|assistant|>");

    /** The special tokens of the demo tokenizer, in id order: BOS 0, EOS 1, then the chat markers. */
    public static List<String> specialTokens() {
        List<String> out = new ArrayList<>(List.of(BOS, EOS));
        out.addAll(CHAT_MARKERS);
        return out;
    }

    /** The Jinja template of PKT-SPEC §1's rendering, for {@code transformers}' apply_chat_template. */
    static final String CHAT_TEMPLATE = "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + "
            + "message['content'] | trim + '\\n\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into {@code dir}. */
    public static void write(BpeTrainer.Model model, int maxLength, Path dir) throws IOException {
        Files.createDirectories(dir);
        writeJson(dir.resolve("tokenizer.json"), tokenizerJson(model));
        writeJson(dir.resolve("tokenizer_config.json"), config(maxLength));
        writeJson(dir.resolve("special_tokens_map.json"), specialTokensMap());
    }

    static Map<String, Object> tokenizerJson(BpeTrainer.Model model) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < model.specialTokens().size(); i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", i);
            t.put("content", model.specialTokens().get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", byteLevel(true));
        root.put("post_processor", byteLevel(false));
        root.put("decoder", byteLevel(true));
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", null);
        bpe.put("continuing_subword_prefix", "");
        bpe.put("end_of_word_suffix", "");
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < model.vocab().size(); i++) {
            vocab.put(model.vocab().get(i), i);
        }
        bpe.put("vocab", vocab);
        bpe.put("merges", model.merges().stream().map(m -> m[0] + " " + m[1]).toList());
        root.put("model", bpe);
        return root;
    }

    private static Map<String, Object> byteLevel(boolean trimOffsets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", trimOffsets);
        m.put("use_regex", true);
        return m;
    }

    private static Map<String, Object> config(int maxLength) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("add_bos_token", false);
        c.put("add_eos_token", false);
        c.put("bos_token", BOS);
        c.put("eos_token", EOS);
        c.put("additional_special_tokens", CHAT_MARKERS);
        c.put("chat_template", CHAT_TEMPLATE);
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", maxLength);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static Map<String, Object> specialTokensMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("additional_special_tokens", CHAT_MARKERS);
        m.put("bos_token", BOS);
        m.put("eos_token", EOS);
        return m;
    }

    /** Hugging Face's layout: two-space indent, {@code "key": value}, one array element per line. */
    private static final ObjectWriter WRITER = Json.MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private static void writeJson(Path file, Object value) throws IOException {
        String text;
        try {
            text = WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + file.getFileName(), e);
        }
        AtomicFiles.writeFile(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
