package org.pkt4j.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE tokenizer (GPT-2 family): the alphabet is the 256 bytes, and each step merges the
 * adjacent pair of symbols seen most often inside pre-tokens, weighted by how often each pre-token occurs.
 * Deterministic: ties go to the pair with the smaller (left id, right id), as in the Hugging Face trainer.
 *
 * <p>One rule departs from plain BPE: no token may hold more than one digit, so every number is written digit
 * by digit (the first digit may carry the space before it). Whole-number tokens would give the small demo models
 * a different spelling for each number and make arithmetic much harder to learn; Llama's tokenizer splits
 * digits for the same reason. The rule is a training choice only — the file is a plain BPE that any reader applies.
 */
public final class BpeTrainer {
    private BpeTrainer() {
    }

    /**
     * A trained tokenizer.
     *
     * @param specialTokens added tokens, ids 0..k-1 (e.g. "&lt;s&gt;", "&lt;/s&gt;", "&lt;|user|&gt;")
     * @param vocab         every token in id order: the special tokens, the 256 byte symbols, then merge results
     * @param merges        the merges in priority order, each {left, right}
     */
    public record Model(List<String> specialTokens, List<String> vocab, List<String[]> merges) {
        public Model {
            specialTokens = List.copyOf(specialTokens);
            vocab = List.copyOf(vocab);
            merges = List.copyOf(merges);
        }
    }

    /**
     * Trains on {@code texts} until the vocabulary holds {@code vocabSize} tokens or no pair occurs
     * {@code minFrequency} times. Special tokens are cut out of the text first, as the tokenizer does.
     */
    public static Model train(Iterable<String> texts, int vocabSize, List<String> specialTokens, int minFrequency) {
        int base = specialTokens.size() + 256;
        if (vocabSize < base) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is below the " + base
                    + " tokens every byte-level vocabulary holds (" + specialTokens.size() + " special + 256 bytes)");
        }
        Map<String, Integer> counts = countPieces(texts, specialTokens);

        List<String> vocab = new ArrayList<>(specialTokens);
        Map<String, Integer> ids = new HashMap<>();
        for (String s : specialTokens) {
            ids.put(s, ids.size());
        }
        for (int b = 0; b < 256; b++) {
            String sym = String.valueOf(ByteLevel.symbol(b));
            ids.put(sym, vocab.size());
            vocab.add(sym);
        }
        // pieces in sorted order, so that nothing depends on hash order
        List<int[]> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new TreeMap<>(counts).entrySet()) {
            String w = e.getKey();
            int[] syms = new int[w.length()];
            for (int i = 0; i < w.length(); i++) {
                syms[i] = ids.get(String.valueOf(w.charAt(i)));
            }
            words.add(syms);
            freq.add(e.getValue());
        }

        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            addPairs(words.get(w), freq.get(w), w, pairCounts, pairWords);
        }
        List<String[]> merges = new ArrayList<>();
        Set<Long> forbidden = new HashSet<>();
        while (vocab.size() < vocabSize) {
            long best = -1;
            long bestCount = minFrequency - 1;
            for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
                long pair = e.getKey(), c = e.getValue();
                if (c > bestCount || (c == bestCount && c >= minFrequency && pair < best)) {
                    if (forbidden.contains(pair)) {
                        continue;
                    }
                    String merged = vocab.get(left(pair)) + vocab.get(right(pair));
                    if (digits(merged) > 1) {
                        forbidden.add(pair);
                        continue;
                    }
                    best = pair;
                    bestCount = c;
                }
            }
            if (best < 0) {
                break;
            }
            int a = left(best), b = right(best);
            String merged = vocab.get(a) + vocab.get(b);
            Integer id = ids.get(merged);
            if (id == null) {
                id = vocab.size();
                ids.put(merged, id);
                vocab.add(merged);
            }
            merges.add(new String[] {vocab.get(a), vocab.get(b)});
            for (int w : new ArrayList<>(pairWords.getOrDefault(best, Set.of()))) {
                int[] old = words.get(w);
                int[] now = merge(old, a, b, id);
                if (now != old) {
                    removePairs(old, freq.get(w), pairCounts);
                    words.set(w, now);
                    addPairs(now, freq.get(w), w, pairCounts, pairWords);
                }
            }
            pairWords.remove(best);
            pairCounts.remove(best);
        }
        return new Model(specialTokens, vocab, merges);
    }

    /** Counts the byte-level pre-tokens of all texts, special tokens cut out. */
    static Map<String, Integer> countPieces(Iterable<String> texts, List<String> specialTokens) {
        Pattern specials = specialTokens.isEmpty() ? null : Pattern.compile(
                String.join("|", specialTokens.stream().map(Pattern::quote).toList()));
        Map<String, Integer> counts = new HashMap<>();
        for (String text : texts) {
            for (String segment : specials == null ? new String[] {text} : specials.split(text)) {
                for (String p : ByteLevel.pieces(segment)) {
                    counts.merge(p, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private static int digits(String byteLevel) {
        int n = 0;
        for (int i = 0; i < byteLevel.length(); i++) {
            char c = byteLevel.charAt(i);
            if (c >= '0' && c <= '9') {
                n++;
            }
        }
        return n;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int left(long pair) {
        return (int) (pair >>> 32);
    }

    private static int right(long pair) {
        return (int) pair;
    }

    /** {@code syms} with every non-overlapping (a, b), left to right, replaced by {@code id}; the same array when none. */
    private static int[] merge(int[] syms, int a, int b, int id) {
        int n = 0;
        int[] out = new int[syms.length];
        boolean changed = false;
        for (int i = 0; i < syms.length; i++) {
            if (i + 1 < syms.length && syms[i] == a && syms[i + 1] == b) {
                out[n++] = id;
                i++;
                changed = true;
            } else {
                out[n++] = syms[i];
            }
        }
        return changed ? Arrays.copyOf(out, n) : syms;
    }

    private static void addPairs(int[] syms, int f, int w, Map<Long, Long> counts, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < syms.length; i++) {
            long p = pair(syms[i], syms[i + 1]);
            counts.merge(p, (long) f, Long::sum);
            where.computeIfAbsent(p, k -> new LinkedHashSet<>()).add(w);
        }
    }

    private static void removePairs(int[] syms, int f, Map<Long, Long> counts) {
        for (int i = 0; i + 1 < syms.length; i++) {
            long p = pair(syms[i], syms[i + 1]);
            long c = counts.get(p) - f;
            if (c == 0) {
                counts.remove(p);
            } else {
                counts.put(p, c);
            }
        }
    }
}
