package org.pkt4j.io.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 decoding with the exact replacement rules of Rust's {@code String::from_utf8_lossy}: each maximal
 * invalid prefix of a would-be sequence becomes one U+FFFD. The Hugging Face decoders produce their text this
 * way, so byte-exact decoding of cut-off multi-byte characters depends on it.
 */
final class Utf8 {
    private Utf8() {
    }

    static final char REPLACEMENT = '\uFFFD';

    /** {@code bytes[0, length)} as text, invalid sequences replaced as {@code from_utf8_lossy} does. */
    static String decodeLossy(byte[] bytes, int length) {
        if (isValid(bytes, length)) {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int start = i;
            int n = validSequenceLength(bytes, i, length);
            if (n > 0) {
                sb.append(new String(bytes, start, n, StandardCharsets.UTF_8));
                i += n;
            } else {
                sb.append(REPLACEMENT);
                i += -n;
            }
        }
        return sb.toString();
    }

    /** True when {@code bytes[0, length)} is well-formed UTF-8 (what {@code String::from_utf8} accepts). */
    static boolean isValid(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            int n = validSequenceLength(bytes, i, length);
            if (n <= 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    /**
     * The length of the well-formed sequence at {@code i}, or minus the number of bytes that form its maximal
     * invalid prefix (at least 1), following the byte ranges of Unicode Table 3-7 as Rust's validator does.
     */
    private static int validSequenceLength(byte[] b, int i, int length) {
        int first = b[i] & 0xFF;
        if (first < 0x80) {
            return 1;
        }
        int width;
        int lo = 0x80, hi = 0xBF; // the allowed range of the second byte
        if (first >= 0xC2 && first <= 0xDF) {
            width = 2;
        } else if (first >= 0xE0 && first <= 0xEF) {
            width = 3;
            if (first == 0xE0) {
                lo = 0xA0;
            } else if (first == 0xED) {
                hi = 0x9F;
            }
        } else if (first >= 0xF0 && first <= 0xF4) {
            width = 4;
            if (first == 0xF0) {
                lo = 0x90;
            } else if (first == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        int second = i + 1 < length ? b[i + 1] & 0xFF : -1;
        if (second < lo || second > hi) {
            return -1;
        }
        for (int k = 2; k < width; k++) {
            int next = i + k < length ? b[i + k] & 0xFF : -1;
            if ((next & 0xC0) != 0x80) { // -1 (past the end) fails this too
                return -k;
            }
        }
        return width;
    }
}
