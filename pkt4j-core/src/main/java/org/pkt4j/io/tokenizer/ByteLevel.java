package org.pkt4j.io.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet: every byte is shown as one printable character ({@code bytes_to_unicode}), so
 * that a byte-level BPE vocabulary is a set of ordinary strings ({@code "Ġthe"} = " the").
 */
final class ByteLevel {
    private ByteLevel() {
    }

    /**
     * GPT-2's pre-tokenization regex, as the Hugging Face ByteLevel pre-tokenizer writes it (Oniguruma syntax;
     * {@code \s} is Unicode White_Space there, hence {@link #compile}'s flags).
     */
    static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static final Pattern GPT2_REGEX = OnigRegex.compile(GPT2_PATTERN);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final byte[] CHAR_TO_BYTE = new byte[324];
    private static final boolean[] IS_BYTE_CHAR = new boolean[324];

    static {
        // printable Latin-1 bytes stand for themselves; the other 68 bytes take U+0100.. in byte order
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : 256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (byte) b;
            IS_BYTE_CHAR[c] = true;
        }
    }

    /** The character that shows byte {@code b}. */
    static char byteChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The UTF-8 bytes of {@code text}, each shown as its byte-level character. */
    static String toByteChars(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * Appends the bytes {@code token} stands for. As in Hugging Face, a token with any character outside the
     * byte alphabet (an added token such as {@code <|endoftext|>} is inside it; {@code "日"} is not) is taken
     * as its own UTF-8 bytes.
     */
    static void appendBytes(String token, ByteSink sink) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= IS_BYTE_CHAR.length || !IS_BYTE_CHAR[c]) {
                sink.add(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) {
            sink.add(CHAR_TO_BYTE[token.charAt(i)]);
        }
    }

    /** A growable byte buffer. */
    static final class ByteSink {
        private byte[] bytes = new byte[64];
        private int size;

        void add(byte b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = b;
        }

        void add(byte[] bs) {
            for (byte b : bs) {
                add(b);
            }
        }

        int size() {
            return size;
        }

        void clear() {
            size = 0;
        }

        byte[] array() {
            return bytes;
        }

        /** The bytes as text, invalid UTF-8 replaced as Rust's {@code from_utf8_lossy} does. */
        String toLossyString() {
            return Utf8.decodeLossy(bytes, size);
        }
    }
}
