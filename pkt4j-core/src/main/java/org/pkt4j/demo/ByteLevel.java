package org.pkt4j.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level pre-tokenization, as the Hugging Face {@code ByteLevel} pre-tokenizer with
 * {@code use_regex: true} and {@code add_prefix_space: false} does it: split on the GPT-2 regex, then write
 * each UTF-8 byte as one printable character (space → "Ġ", newline → "Ċ"). The BPE trainer uses this to see
 * text exactly as the tokenizer it writes will.
 */
final class ByteLevel {
    private ByteLevel() {
    }

    /** The GPT-2 split pattern; Unicode classes for \s so that it agrees with the Rust implementation. */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = byteToChar();

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the other 68 bytes take
     * the code points 256, 257, ... in byte order.
     */
    private static char[] byteToChar() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) next++;
        }
        return map;
    }

    /** The character that stands for byte {@code b} (0..255). */
    static char symbol(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The pre-tokens of {@code text} (no added tokens in it), each in byte-level characters. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            out.add(encode(m.group()));
        }
        return out;
    }

    /** The UTF-8 bytes of {@code s}, one byte-level character each. */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }
}
