package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatJsonl;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.Json;

/**
 * Texts for differential tests of tokenizers: the shipped task and benchmark data (as models see it: chat
 * records rendered with {@link ChatFormat#full}), hand-written edge cases, and seeded random strings built
 * from the characters tokenizers get wrong.
 */
final class TextSamples {
    private TextSamples() {
    }

    /** Up to {@code perFile} texts from each data file under {@code data} (shared/data), in a fixed order. */
    static List<String> data(Path data, int perFile) {
        List<String> out = new ArrayList<>();
        try {
            for (Path f : sorted(data.resolve("pkt-splits"), ".jsonl")) {
                for (ChatRecord r : first(ChatJsonl.read(f), perFile)) {
                    out.add(ChatFormat.full(r.messages()));
                }
            }
            for (Path f : sorted(data.resolve("paraknow"), ".jsonl")) {
                for (ChatRecord r : first(ChatJsonl.read(f), perFile)) {
                    out.add(ChatFormat.full(r.messages()));
                }
            }
            for (JsonNode r : jsonl(data.resolve("benchmarks/gsm8k/test.jsonl"), perFile)) {
                out.add(r.get("question").asText() + "\n" + r.get("answer").asText());
            }
            for (JsonNode r : jsonl(data.resolve("benchmarks/humaneval/HumanEval.jsonl"), perFile)) {
                out.add(r.get("prompt").asText() + r.get("canonical_solution").asText() + "\n\n" + r.get("test").asText());
            }
            for (JsonNode r : jsonl(data.resolve("benchmarks/mbpp/mbpp.jsonl"), perFile)) {
                StringBuilder sb = new StringBuilder(r.get("text").asText()).append("\n").append(r.get("code").asText());
                r.get("test_list").forEach(t -> sb.append("\n").append(t.asText()));
                out.add(sb.toString());
            }
            int rows = 0;
            for (Path f : sorted(data.resolve("benchmarks/mmlu/test"), ".csv")) {
                for (List<String> row : Csv.read(f)) {
                    if (rows++ >= perFile) {
                        break;
                    }
                    out.add(row.getFirst() + "\nA. " + row.get(1) + "\nB. " + row.get(2) + "\nC. " + row.get(3)
                            + "\nD. " + row.get(4) + "\nAnswer:");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Hand-written edge cases: whitespace and line separators, non-ASCII scripts, emoji, special-token spellings. */
    static List<String> edgeCases() {
        return List.of(
                "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n", "\n ", "a\n\n\nb",
                "Hello world", " Hello world", "Hello  world", "Hello   world  ", "Hello\tworld\t\t!", "  leading and trailing  ",
                "café naïve résumé Ærøskøbing Straße", "e\u0301 vs \u00e9 (combining vs precomposed)", "ﬁ ligature, Ⅻ, ①, ½",
                "日本語のテキストです。中文文本。한국어 텍스트", "𠀋𠀌 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛", "Привет, мир! Ελληνικά. עברית. العربية. हिन्दी",
                "emoji 🙂😀🎉 flags 🇫🇷🇯🇵 family 👨‍👩‍👧‍👦 skin 👍🏽 keycap 1️⃣", "ZWJ\u200dZWNJ\u200cBOM\ufeffend",
                "no\u00a0break\u00a0space", "\u00a0\u00a0double NBSP\u00a0", "thin\u2009space and ideographic\u3000space",
                "line\u0085next\u2028line\u2029para", "ctrl\u0000nul\u0001\u0007\u001b[0m\u007f", "vertical\u000btab\u000cfeed",
                "<s>", "</s>", "<unk>", "<s>Hello", "Hello</s>", "Hello <s> world </s>", "a<s>b</s>c", "<s><s></s>", " <s> ",
                "<|endoftext|>", "text<|endoftext|>more", "<|endoftext|><|endoftext|>", "<|endoftext|", "<|user|>\nhi\n\n<|assistant|>\n",
                "it's I'm we'll they'd you've we're don't IT'S I'M 'S 'ſ 'K", "123 4567 89012 3.14159 1,000,000 0x1F",
                "def f(x):\n    return x ** 2  # comment\n\n\nclass A:\n\tpass\n", "{\"json\": [1, 2.5, null, true]}",
                "a" + " ".repeat(40) + "b", "-".repeat(100), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "The quick brown fox jumps over the lazy dog.", "Ünïcödé ŝtrïñg wïth ďïäçrïtïçš");
    }

    private static final String[] ALPHABET = {
        " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\u00a0", "\u0085", "\u2028", "\u3000", "\u200b", "\u200d",
        "a", "e", "s", "t", "the", "The", "ing", "Hello", "world", "ABC", "x", "'s", "'t", "'re", "'S", "'ll", "'", "\"",
        "0", "7", "42", "2024", "3.5", ".", ",", "!", "?", "-", "_", "(", ")", "[", "]", "{", "}", "<", ">", "|", "/", "\\",
        "#", "$", "%", "&", "*", "+", "=", "@", "^", "~", "`", ";", ":", "é", "ü", "ß", "ñ", "ø", "e\u0301", "ﬁ", "½", "Ⅻ",
        "日", "本", "語", "中文", "한", "Ж", "λ", "ש", "ع", "ह", "ก", "🙂", "👍🏽", "👨‍👩‍👧", "🇫🇷", "𠀋", "𝔘",
        "<s>", "</s>", "<unk>", "<|endoftext|>", "<|user|>", "▁", "Ġ", "\u0000", "\u0007", "\u001b", "\u007f",
    };

    /** {@code count} seeded random strings of 0..{@code maxParts} pieces drawn from a tricky alphabet. */
    static List<String> random(long seed, int count, int maxParts) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int parts = rng.nextInt(maxParts + 1);
            StringBuilder sb = new StringBuilder();
            for (int p = 0; p < parts; p++) {
                sb.append(ALPHABET[rng.nextInt(ALPHABET.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static <T> List<T> first(List<T> list, int n) {
        return list.subList(0, Math.min(n, list.size()));
    }

    private static List<Path> sorted(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static List<JsonNode> jsonl(Path file, int limit) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readString(file).split("\n")) {
            if (out.size() >= limit) {
                break;
            }
            if (!line.isBlank()) {
                out.add(Json.MAPPER.readTree(line));
            }
        }
        return out;
    }

    /** RFC 4180 CSV (quoted fields with commas, quotes and newlines); the header row is dropped. */
    static final class Csv {
        private Csv() {
        }

        static List<List<String>> read(Path file) throws IOException {
            String s = Files.readString(file);
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    } else {
                        field.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    row.add(field.toString());
                    field.setLength(0);
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                        i++;
                    }
                    row.add(field.toString());
                    field.setLength(0);
                    rows.add(row);
                    row = new ArrayList<>();
                } else {
                    field.append(c);
                }
            }
            if (field.length() > 0 || !row.isEmpty()) {
                row.add(field.toString());
                rows.add(row);
            }
            return rows.subList(1, rows.size());
        }
    }
}
