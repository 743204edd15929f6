package org.pkt4j.io.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds added tokens ({@code added_tokens} of {@code tokenizer.json}) in text, as Hugging Face's
 * {@code AddedVocabulary::find_matches}: leftmost-longest literal matches, left to right without overlap;
 * {@code single_word} tokens only where no word character touches them; {@code lstrip}/{@code rstrip}
 * tokens swallow the whitespace before/after them. Hugging Face matches {@code normalized: false} tokens in
 * the raw text and {@code normalized: true} ones, in their normalized spelling, in each normalized stretch;
 * {@link HfTokenizer} builds one matcher for each.
 */
final class AddedTokens {

    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                      boolean normalized) {
    }

    /** A stretch of text: an added token's id, or -1 for text to tokenize. */
    record Segment(int id, int start, int end) {
    }

    // Hugging Face compiles these with Rust's regex crate, whose \w and \s are Unicode classes
    private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPACE = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<Integer, List<Candidate>> byFirstChar = new HashMap<>();

    private record Candidate(String pattern, AddedToken token) {
    }

    /** A matcher for {@code tokens}, each found by its spelling {@code patterns[i]}. */
    AddedTokens(List<AddedToken> tokens, List<String> patterns) {
        for (int i = 0; i < tokens.size(); i++) {
            String p = patterns.get(i);
            if (!p.isEmpty()) {
                byFirstChar.computeIfAbsent((int) p.charAt(0), k -> new ArrayList<>()).add(new Candidate(p, tokens.get(i)));
            }
        }
        // longest first, so the first candidate that matches at a position is the leftmost-longest match;
        // among equal spellings the earlier entry wins, as in Aho-Corasick's pattern order
        for (List<Candidate> list : byFirstChar.values()) {
            list.sort(Comparator.comparingInt((Candidate c) -> -c.pattern().length()));
        }
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** Cuts {@code text} into segments covering it; an empty text is one empty segment. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int startOffset = 0;
        int i = 0;
        while (i < text.length()) {
            Candidate found = match(text, i);
            if (found == null) {
                i++;
                continue;
            }
            int start = i, stop = i + found.pattern().length();
            i = stop; // the search resumes after the raw match, even when rstrip extends the token
            AddedToken t = found.token();
            if (t.singleWord()) {
                boolean spaceBefore = start == 0 || !isWordChar(text.codePointBefore(start));
                boolean spaceAfter = stop == text.length() || !isWordChar(text.codePointAt(stop));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (t.lstrip()) {
                int newStart = start;
                while (newStart > 0 && isSpace(text.codePointBefore(newStart))) {
                    newStart -= Character.charCount(text.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset);
            }
            if (t.rstrip()) {
                while (stop < text.length() && isSpace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
            }
            if (startOffset < start) {
                out.add(new Segment(-1, startOffset, start));
            }
            out.add(new Segment(t.id(), start, stop));
            startOffset = stop;
        }
        if (startOffset != text.length() || text.isEmpty()) {
            out.add(new Segment(-1, startOffset, text.length()));
        }
        return out;
    }

    private Candidate match(String text, int at) {
        List<Candidate> list = byFirstChar.get((int) text.charAt(at));
        if (list != null) {
            for (Candidate c : list) {
                if (text.startsWith(c.pattern(), at)) {
                    return c;
                }
            }
        }
        return null;
    }

    private static boolean isWordChar(int cp) {
        return WORD_CHAR.matcher(Character.toString(cp)).matches();
    }

    private static boolean isSpace(int cp) {
        return SPACE.matcher(Character.toString(cp)).matches();
    }
}
