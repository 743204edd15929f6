package org.pkt4j.io.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.pkt4j.io.FormatException;

/**
 * A llama2.c {@code tokenizer.bin} (int32 max_token_length, then per token: float32 score, int32 length,
 * bytes; little-endian), encoding and decoding exactly as llama2.c's {@code run.c}: text is cut into UTF-8
 * code points (each its own token, else its bytes as tokens {@code byte + 3}) after a dummy-prefix " " token,
 * then the adjacent pair whose concatenation has the highest score (leftmost among equal scores) is merged
 * until none is in the vocabulary. BOS is id 1 and EOS id 2, as run.c assumes.
 */
public final class Llama2cTokenizer implements Tokenizer {
    /** run.c's fixed ids. */
    public static final int BOS = 1, EOS = 2;
    private static final float NO_MERGE = -1e10f; // run.c's initial best_score: a pair must score above it

    private final Path file;
    private final byte[][] pieces;
    private final float[] scores;
    private final Map<String, Integer> ids = new HashMap<>(); // pieces as Latin-1 strings (one char per byte)

    private Llama2cTokenizer(Path file, byte[][] pieces, float[] scores) {
        this.file = file;
        this.pieces = pieces;
        this.scores = scores;
        for (int i = 0; i < pieces.length; i++) {
            // run.c's bsearch returns an arbitrary one of equal pieces; the shipped files have none, keep the first
            ids.putIfAbsent(latin1(pieces[i]), i);
        }
    }

    /** Reads a tokenizer.bin; the vocabulary size is the number of entries in the file. */
    public static Llama2cTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
        }
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new FormatException(file, "llama2.c tokenizer: expected an int32 max_token_length, file has " + buf.remaining() + " bytes");
        }
        int maxLength = buf.getInt();
        if (maxLength <= 0 || maxLength > 1 << 16) {
            throw new FormatException(file, "llama2.c tokenizer: max_token_length " + maxLength + " is implausible (expected 1..65536; is this a tokenizer.bin?)");
        }
        List<byte[]> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            int index = pieces.size();
            if (buf.remaining() < 8) {
                throw new FormatException(file, "llama2.c tokenizer: token " + index + " is cut off (" + buf.remaining() + " bytes left, expected score and length)");
            }
            float score = buf.getFloat();
            int length = buf.getInt();
            if (length < 0 || length > maxLength || length > buf.remaining()) {
                throw new FormatException(file, "llama2.c tokenizer: token " + index + " has length " + length
                        + " (max_token_length " + maxLength + ", " + buf.remaining() + " bytes left)");
            }
            byte[] piece = new byte[length];
            buf.get(piece);
            pieces.add(piece);
            scores.add(score);
        }
        if (pieces.size() < 3 + 256) {
            throw new FormatException(file, "llama2.c tokenizer: " + pieces.size() + " tokens; expected at least 259 (<unk>, <s>, </s>, 256 bytes)");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Llama2cTokenizer(file, pieces.toArray(new byte[0][]), s);
    }

    /** run.c's {@code encode(t, text, bos=0, eos=0)}. Like C, the text ends at its first NUL character. */
    @Override
    public int[] encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int n = 0;
        while (n < utf8.length && utf8[n] != 0) {
            n++;
        }
        int[] tokens = new int[n + 1]; // at most one token per byte, plus the dummy prefix
        int count = 0;
        if (n > 0) {
            int space = lookup(new byte[] {' '}, 1);
            if (space < 0) {
                throw new IllegalStateException(file + " has no \" \" piece for the dummy prefix run.c's encode puts first");
            }
            tokens[count++] = space;
        }
        byte[] cp = new byte[8];
        int cpLength = 0;
        for (int i = 0; i < n; i++) {
            if ((utf8[i] & 0xC0) != 0x80) {
                cpLength = 0; // an ASCII or leading byte starts a new code point
            }
            cp[cpLength++] = utf8[i];
            int next = i + 1 < n ? utf8[i + 1] : 0;
            if ((next & 0xC0) == 0x80 && cpLength < 4) {
                continue;
            }
            int id = lookup(cp, cpLength);
            if (id != -1) {
                tokens[count++] = id;
            } else {
                for (int k = 0; k < cpLength; k++) {
                    tokens[count++] = (cp[k] & 0xFF) + 3; // byte fallback: ids 3..258 are <0x00>..<0xFF>
                }
            }
            cpLength = 0;
        }
        return mergeByScore(Arrays.copyOf(tokens, count));
    }

    /**
     * run.c merges the best-scoring pair (leftmost among equal scores) one at a time, rescanning the whole
     * sequence; a heap keyed (score, position) with lazily discarded stale entries makes the same choices in
     * O(n log n).
     */
    private int[] mergeByScore(int[] sym) {
        int n = sym.length;
        int[] next = new int[n], prev = new int[n];
        boolean[] removed = new boolean[n];
        // higher score first, then the leftmost; scores compare as C floats do (-0.0 == 0.0; NaN never queued)
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> {
            float sa = Float.intBitsToFloat((int) a[0]), sb = Float.intBitsToFloat((int) b[0]);
            return sa > sb ? -1 : sa < sb ? 1 : Long.compare(a[1], b[1]);
        });
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, sym, i, i + 1);
        }
        while (!heap.isEmpty()) {
            long[] top = heap.poll();
            int left = (int) top[1], right = (int) top[2];
            if (removed[left] || next[left] != right || sym[left] != (int) top[3] || sym[right] != (int) top[4]) {
                continue; // one side was merged since this candidate was found
            }
            sym[left] = (int) top[5];
            removed[right] = true;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
            }
            if (prev[left] >= 0) {
                offer(heap, sym, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(heap, sym, left, next[left]);
            }
        }
        int[] out = new int[n];
        int count = 0;
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            out[count++] = sym[i];
        }
        return Arrays.copyOf(out, count);
    }

    /** Queues the merge of slots {@code left, right} if their concatenation is a piece scoring above -1e10. */
    private void offer(PriorityQueue<long[]> heap, int[] sym, int left, int right) {
        byte[] a = pieces[sym[left]], b = pieces[sym[right]];
        byte[] ab = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        int id = lookup(ab, ab.length);
        if (id != -1 && scores[id] > NO_MERGE) {
            heap.add(new long[] {Float.floatToRawIntBits(scores[id]), left, right, sym[left], sym[right], id});
        }
    }

    private int lookup(byte[] bytes, int length) {
        Integer id = ids.get(new String(bytes, 0, length, StandardCharsets.ISO_8859_1));
        return id == null ? -1 : id;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /**
     * run.c's {@code decode} over a sequence: each piece's bytes, a {@code <0xXX>} piece as its raw byte, and a
     * piece after BOS without its leading space. The sequence is read as following BOS (as run.c prints a
     * prompt), so a leading space of the first piece is dropped too; the bytes are then read as UTF-8.
     * BOS and EOS decode to their stored pieces ({@code "\n<s>\n"} in Meta's export).
     */
    @Override
    public String decode(int[] tokenIds) {
        ByteLevel.ByteSink bytes = new ByteLevel.ByteSink();
        int previous = BOS;
        for (int id : tokenIds) {
            if (id < 0 || id >= pieces.length) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + file + " (0.." + (pieces.length - 1) + ")");
            }
            byte[] piece = pieces[id];
            int from = previous == BOS && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            int raw = rawByte(piece, from);
            if (raw >= 0) {
                bytes.add((byte) raw);
            } else {
                for (int i = from; i < piece.length; i++) {
                    bytes.add(piece[i]);
                }
            }
            previous = id;
        }
        return bytes.toLossyString();
    }

    /** run.c's {@code sscanf(piece, "<0x%02hhX>", &b)}: "<0x" and one or two hex digits give a byte; else -1. */
    private static int rawByte(byte[] piece, int from) {
        if (piece.length - from < 4 || piece[from] != '<' || piece[from + 1] != '0' || piece[from + 2] != 'x') {
            return -1;
        }
        int value = -1;
        for (int i = from + 3; i < Math.min(piece.length, from + 5); i++) {
            int d = Character.digit(piece[i], 16);
            if (d < 0) {
                break;
            }
            value = Math.max(value, 0) * 16 + d;
        }
        return value;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    /** The stored piece as UTF-8 text (Meta's export stores "▁" as a space: " the"). */
    @Override
    public String piece(int id) {
        return id >= 0 && id < pieces.length ? new String(pieces[id], StandardCharsets.UTF_8) : null;
    }

    @Override
    public int pieceId(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return lookup(b, b.length);
    }

    /** The score of a piece (higher merges first). */
    public float score(int id) {
        return scores[id];
    }

    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "Llama2cTokenizer[" + file + ", vocab " + pieces.length + "]";
    }
}
