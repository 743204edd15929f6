package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pkt4j.io.FormatException;

/**
 * The BPE model of {@code tokenizer.json} ({@code "model": {"type": "BPE", ...}}), as Hugging Face tokenizers
 * applies it to one pre-tokenized piece: each character becomes its vocabulary id (else its
 * {@code <0xXX>} byte tokens with {@code byte_fallback}, else the unknown token, fused with neighbouring
 * unknowns under {@code fuse_unk}); then the pair with the lowest merge rank (leftmost among equals) is merged
 * until no adjacent pair has a merge. With {@code ignore_merges} a piece that is itself in the vocabulary is one
 * token. Results are cached per piece.
 */
final class Bpe {
    private static final int CACHE_CAPACITY = 10_000; // Hugging Face's default cache size
    private static final int CACHE_MAX_PIECE = 256;

    final Map<String, Integer> vocab;
    final String[] idToToken;
    private final PairMap merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final int[] byteIds; // id of "<0xXX>" per byte, -1 where absent; null without byte_fallback
    private final boolean ignoreMerges;
    private final String prefix; // continuing_subword_prefix, null when absent
    private final String suffix; // end_of_word_suffix, null when absent
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private Bpe(Map<String, Integer> vocab, String[] idToToken, PairMap merges, int unkId, boolean fuseUnk,
                int[] byteIds, boolean ignoreMerges, String prefix, String suffix) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteIds = byteIds;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    static Bpe parse(JsonNode model, Path file) throws FormatException {
        JsonNode type = model.get("type");
        if (type != null && !"BPE".equals(type.asText())) {
            throw new FormatException(file, "unsupported model type '" + type.asText() + "' (only BPE is supported)");
        }
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw new FormatException(file, "model: BPE dropout " + dropout + " is not supported (encoding would be random)");
        }
        JsonNode v = model.get("vocab");
        if (v == null || !v.isObject()) {
            throw new FormatException(file, "model: expected object 'vocab' (piece -> id), found " + Components.abbreviate(v));
        }
        Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new FormatException(file, "model.vocab: id of '" + e.getKey() + "' must be a non-negative integer, found " + e.getValue());
            }
            vocab.put(e.getKey(), e.getValue().asInt());
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        String[] idToToken = new String[maxId + 1];
        vocab.forEach((piece, id) -> idToToken[id] = piece);

        String prefix = optionalString(model, "continuing_subword_prefix", file);
        String suffix = optionalString(model, "end_of_word_suffix", file);
        PairMap merges = parseMerges(Components.array(model, "merges", file, "model"), vocab, prefix, file);

        String unk = optionalString(model, "unk_token", file);
        int unkId = -1;
        if (unk != null) {
            Integer id = vocab.get(unk);
            if (id == null) {
                throw new FormatException(file, "model: unk_token '" + unk + "' is not in the vocabulary");
            }
            unkId = id;
        }
        int[] byteIds = null;
        if (Components.bool(model, "byte_fallback", false, file, "model")) {
            byteIds = new int[256];
            for (int b = 0; b < 256; b++) {
                byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
            }
        }
        return new Bpe(vocab, idToToken, merges, unkId, Components.bool(model, "fuse_unk", false, file, "model"), byteIds,
                Components.bool(model, "ignore_merges", false, file, "model"), prefix, suffix);
    }

    private static String optionalString(JsonNode n, String key, Path file) throws FormatException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new FormatException(file, "model: expected string or null '" + key + "', found " + v);
        }
        return v.asText();
    }

    /**
     * Merges as {@code "a b"} strings or {@code ["a", "b"]} pairs; the rank is the position. A string with more
     * than one space (a piece containing a space, as in the Llama-2 copies whose NBSP became U+0020) is cut at
     * the one space where a, b and ab are all in the vocabulary, as newer Hugging Face releases do; none or
     * several such cuts is an error. A repeated pair keeps its last rank (a Rust HashMap filled in order).
     */
    private static PairMap parseMerges(JsonNode list, Map<String, Integer> vocab, String prefix, Path file)
            throws FormatException {
        PairMap map = new PairMap(list.size());
        int prefixLength = prefix == null ? 0 : prefix.length();
        for (int rank = 0; rank < list.size(); rank++) {
            JsonNode m = list.get(rank);
            String a, b;
            if (m.isTextual()) {
                String[] ab = splitMerge(m.asText(), vocab, rank, file);
                a = ab[0];
                b = ab[1];
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                throw new FormatException(file, "model.merges[" + rank + "]: expected \"a b\" or [\"a\", \"b\"], found " + m);
            }
            Integer aId = vocab.get(a), bId = vocab.get(b);
            String merged = a + (b.length() >= prefixLength ? b.substring(prefixLength) : b);
            Integer newId = vocab.get(merged);
            if (aId == null || bId == null || newId == null) {
                String missing = aId == null ? a : bId == null ? b : merged;
                throw new FormatException(file, "model.merges[" + rank + "] (" + m + "): '" + missing + "' is not in the vocabulary");
            }
            map.put(aId, bId, rank, newId);
        }
        return map;
    }

    private static String[] splitMerge(String line, Map<String, Integer> vocab, int rank, Path file) throws FormatException {
        int first = line.indexOf(' ');
        if (first >= 0 && line.indexOf(' ', first + 1) < 0) {
            return new String[] {line.substring(0, first), line.substring(first + 1)};
        }
        String[] found = null;
        for (int cut = first; cut >= 0; cut = line.indexOf(' ', cut + 1)) {
            String a = line.substring(0, cut), b = line.substring(cut + 1);
            if (vocab.containsKey(a) && vocab.containsKey(b) && vocab.containsKey(a + b)) {
                if (found != null) {
                    throw new FormatException(file, "model.merges[" + rank + "] \"" + line + "\" is ambiguous: several cuts give pieces in the vocabulary");
                }
                found = new String[] {a, b};
            }
        }
        if (found == null) {
            throw new FormatException(file, "model.merges[" + rank + "] \"" + line + "\": expected two pieces separated by one space");
        }
        return found;
    }

    /** Appends the ids of one pre-tokenized piece. */
    void tokenize(String piece, IntList out) {
        if (piece.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(piece);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] cached = cache.get(piece);
        if (cached == null) {
            cached = merge(piece);
            if (piece.length() < CACHE_MAX_PIECE && cache.size() < CACHE_CAPACITY) {
                cache.put(piece, cached);
            }
        }
        out.addAll(cached);
    }

    /** Hugging Face's {@code merge_word} + {@code Word::merge_all}. */
    private int[] merge(String w) {
        IntList symbols = new IntList(w.length() + 4);
        int pendingUnk = -1; // an unknown token not yet emitted (fuse_unk extends it)
        for (int i = 0; i < w.length(); ) {
            int end = i + Character.charCount(w.codePointAt(i));
            String s = w.substring(i, end);
            if (i > 0 && prefix != null) {
                s = prefix + s;
            }
            if (end == w.length() && suffix != null) {
                s = s + suffix;
            }
            i = end;
            Integer id = vocab.get(s);
            if (id != null) {
                if (pendingUnk >= 0) {
                    symbols.add(pendingUnk);
                    pendingUnk = -1;
                }
                symbols.add(id);
                continue;
            }
            if (byteIds != null && addBytes(s, symbols)) {
                continue; // as in Hugging Face, a pending unknown is not emitted before the bytes
            }
            if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    symbols.add(pendingUnk);
                }
                pendingUnk = unkId;
            }
            // without an unknown token an unmapped character is dropped, as in Hugging Face
        }
        if (pendingUnk >= 0) {
            symbols.add(pendingUnk);
        }
        return mergeAll(symbols.toArray());
    }

    private boolean addBytes(String s, IntList symbols) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            symbols.add(byteIds[b & 0xFF]);
        }
        return true;
    }

    /**
     * Repeatedly merges the adjacent pair of lowest rank, the leftmost among equal ranks. A heap holds
     * candidate merges keyed (rank, position); entries made stale by an earlier merge are skipped when popped.
     */
    private int[] mergeAll(int[] sym) {
        int n = sym.length;
        if (n < 2) {
            return sym;
        }
        int[] next = new int[n], prev = new int[n];
        boolean[] removed = new boolean[n];
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                pushMerge(heap, sym[i], sym[i + 1], i);
            }
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32), pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long m = merges.get(sym[pos], sym[right]);
            if (m < 0 || (int) (m >>> 32) != rank) {
                continue; // the pair at pos changed since this entry was pushed
            }
            sym[pos] = (int) m;
            removed[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                pushMerge(heap, sym[prev[pos]], sym[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                pushMerge(heap, sym[pos], sym[next[pos]], pos);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out.toArray();
    }

    private void pushMerge(LongHeap heap, int a, int b, int pos) {
        long m = merges.get(a, b);
        if (m >= 0) {
            heap.push((m >>> 32) << 32 | pos);
        }
    }

    /** Open-addressing map from a pair of ids to (rank, merged id), packed in longs; -1 = absent. */
    private static final class PairMap {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        PairMap(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected) * 2) * 2;
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, -1L);
            mask = capacity - 1;
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            int i = (int) (h >>> 40) & mask;
            while (keys[i] != -1L && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        void put(int a, int b, int rank, int newId) {
            long key = (long) a << 32 | b;
            int i = slot(key);
            keys[i] = key;
            values[i] = (long) rank << 32 | newId;
        }

        long get(int a, int b) {
            int i = slot((long) a << 32 | b);
            return keys[i] == -1L ? -1L : values[i];
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }

    /** A growable int list. */
    static final class IntList {
        private int[] a;
        private int size;

        IntList(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        void addAll(int[] vs) {
            for (int v : vs) {
                add(v);
            }
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
