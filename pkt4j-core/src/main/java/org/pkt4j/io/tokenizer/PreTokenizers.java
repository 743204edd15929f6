package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pkt4j.io.FormatException;

/**
 * The {@code pre_tokenizer} section of {@code tokenizer.json}: splits normalized text into the pieces ("words")
 * that BPE encodes one by one, with the semantics of Hugging Face tokenizers 0.21
 * ({@code NormalizedString::split} and its delimiter behaviours; empty pieces are dropped).
 */
final class PreTokenizers {
    private PreTokenizers() {
    }

    /**
     * A stretch of normalized text and where it starts in the input. The start is exact for text the
     * normalizer left alone and approximate after one that changes lengths; it matters only for Metaspace's
     * {@code prepend_scheme: first}, which prepends to the piece that starts the input.
     */
    record Piece(String text, int start) {
    }

    /** One pre-tokenizer step: appends the pieces {@code piece} becomes to {@code out}. */
    interface PreTokenizer {
        void split(Piece piece, List<Piece> out);
    }

    /** The pre-tokenizer of {@code "pre_tokenizer": null}: the piece as it is. */
    static final PreTokenizer NONE = (piece, out) -> out.add(piece);

    /** How a match of a split pattern is kept: Hugging Face's {@code SplitDelimiterBehavior}. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    static PreTokenizer parse(JsonNode n, Path file) throws FormatException {
        if (n == null || n.isNull()) {
            return NONE;
        }
        String type = Components.type(n, file, "pre_tokenizer");
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonNode s : Components.array(n, "pretokenizers", file, "pre_tokenizer Sequence")) {
                    steps.add(parse(s, file));
                }
                yield sequence(steps);
            }
            case "ByteLevel" -> byteLevel(Components.bool(n, "add_prefix_space", true, file, "ByteLevel pre_tokenizer"),
                    Components.bool(n, "use_regex", true, file, "ByteLevel pre_tokenizer"));
            case "Split" -> split(n, file);
            case "Metaspace" -> metaspace(n, file);
            default -> throw new FormatException(file, "unsupported pre_tokenizer type '" + type
                    + "' (supported: Sequence, ByteLevel, Split, Metaspace)");
        };
    }

    private static PreTokenizer sequence(List<PreTokenizer> steps) {
        return (piece, out) -> {
            List<Piece> current = List.of(piece);
            for (PreTokenizer step : steps) {
                List<Piece> next = new ArrayList<>();
                for (Piece p : current) {
                    step.split(p, next);
                }
                current = next;
            }
            out.addAll(current);
        };
    }

    /** GPT-2's pre-tokenizer: optional leading space, the GPT-2 regex (isolated), then bytes as characters. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        return (piece, out) -> {
            String text = addPrefixSpace && !piece.text().startsWith(" ") ? " " + piece.text() : piece.text();
            Piece p = new Piece(text, piece.start());
            List<Piece> parts = new ArrayList<>();
            if (useRegex) {
                splitOn(p, regexMatches(ByteLevel.GPT2_REGEX, text), Behavior.ISOLATED, parts);
            } else {
                parts.add(p);
            }
            for (Piece part : parts) {
                out.add(new Piece(ByteLevel.toByteChars(part.text()), part.start()));
            }
        };
    }

    private static PreTokenizer split(JsonNode n, Path file) throws FormatException {
        String what = "Split pre_tokenizer";
        JsonNode pattern = n.get("pattern");
        Pattern regex;
        if (pattern != null && pattern.hasNonNull("String")) {
            String literal = pattern.get("String").asText();
            regex = literal.isEmpty() ? null : Pattern.compile(Pattern.quote(literal));
        } else if (pattern != null && pattern.hasNonNull("Regex")) {
            regex = Normalizers.compile(pattern.get("Regex").asText(), file, what);
        } else {
            throw new FormatException(file, what + ": expected pattern {\"String\": ...} or {\"Regex\": ...}, found "
                    + Components.abbreviate(pattern));
        }
        Behavior behavior = behavior(Components.string(n, "behavior", file, what), file);
        boolean invert = Components.bool(n, "invert", false, file, what);
        return (piece, out) -> {
            List<int[]> matches = regex == null
                    ? List.of(new int[] {0, piece.text().length(), 0})
                    : regexMatches(regex, piece.text());
            if (invert) {
                for (int[] m : matches) {
                    m[2] = 1 - m[2];
                }
            }
            splitOn(piece, matches, behavior, out);
        };
    }

    private static Behavior behavior(String name, Path file) throws FormatException {
        return switch (name) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new FormatException(file, "Split pre_tokenizer: unknown behavior '" + name
                    + "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
        };
    }

    /**
     * SentencePiece-style spaces: ' ' becomes the replacement (▁), which is prepended per
     * {@code prepend_scheme} (always; first = only to the piece that starts the input; never), and with
     * {@code split} every ▁ starts a new piece. Files from before {@code prepend_scheme} carry
     * {@code add_prefix_space} instead.
     */
    private static PreTokenizer metaspace(JsonNode n, Path file) throws FormatException {
        String what = "Metaspace pre_tokenizer";
        int replacement = Components.character(n, "replacement", file, what);
        String rep = Character.toString(replacement);
        PrependScheme scheme = PrependScheme.of(n, file, what);
        boolean split = Components.bool(n, "split", true, file, what);
        return (piece, out) -> {
            String text = piece.text().replace(" ", rep);
            boolean prepend = switch (scheme) {
                case ALWAYS -> true;
                case FIRST -> piece.start() == 0;
                case NEVER -> false;
            };
            if (prepend && !text.startsWith(rep)) {
                text = rep + text;
            }
            Piece p = new Piece(text, piece.start());
            if (split) {
                splitOn(p, charMatches(text, rep), Behavior.MERGED_WITH_NEXT, out);
            } else {
                out.add(p);
            }
        };
    }

    /** Metaspace's {@code prepend_scheme}, shared by the pre-tokenizer and the decoder. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER;

        static PrependScheme of(JsonNode n, Path file, String what) throws FormatException {
            JsonNode s = n.get("prepend_scheme");
            PrependScheme scheme = ALWAYS;
            if (s != null && !s.isNull()) {
                scheme = switch (s.asText()) {
                    case "always" -> ALWAYS;
                    case "first" -> FIRST;
                    case "never" -> NEVER;
                    default -> throw new FormatException(file, what + ": unknown prepend_scheme '" + s.asText()
                            + "' (expected always, first or never)");
                };
            }
            if (!Components.bool(n, "add_prefix_space", true, file, what)) {
                if (s != null && !s.isNull() && scheme != NEVER) {
                    throw new FormatException(file, what + ": add_prefix_space false contradicts prepend_scheme " + s);
                }
                scheme = NEVER;
            }
            return scheme;
        }
    }

    /** Every match of {@code regex} in {@code text} and the stretches between them, as {start, end, isMatch}. */
    private static List<int[]> regexMatches(Pattern regex, String text) {
        List<int[]> out = new ArrayList<>();
        Matcher m = regex.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (m.start() != prev) {
                out.add(new int[] {prev, m.start(), 0});
            }
            out.add(new int[] {m.start(), m.end(), 1});
            prev = m.end();
        }
        if (prev != text.length()) {
            out.add(new int[] {prev, text.length(), 0});
        }
        return out;
    }

    /** Each occurrence of the one-character string {@code c} as its own match. */
    private static List<int[]> charMatches(String text, String c) {
        List<int[]> out = new ArrayList<>();
        int prev = 0;
        for (int at = text.indexOf(c); at >= 0; at = text.indexOf(c, at + c.length())) {
            if (at > prev) {
                out.add(new int[] {prev, at, 0});
            }
            out.add(new int[] {at, at + c.length(), 1});
            prev = at + c.length();
        }
        if (prev < text.length()) {
            out.add(new int[] {prev, text.length(), 0});
        }
        return out;
    }

    /** Cuts {@code piece} at {@code matches} as Hugging Face's {@code NormalizedString::split} does. */
    static void splitOn(Piece piece, List<int[]> matches, Behavior behavior, List<Piece> out) {
        List<int[]> spans = new ArrayList<>(); // {start, end}
        switch (behavior) {
            case REMOVED -> {
                for (int[] m : matches) {
                    if (m[2] == 0) {
                        spans.add(new int[] {m[0], m[1]});
                    }
                }
            }
            case ISOLATED -> {
                for (int[] m : matches) {
                    spans.add(new int[] {m[0], m[1]});
                }
            }
            case CONTIGUOUS -> {
                int previous = 0;
                for (int[] m : matches) {
                    if (m[2] == previous && !spans.isEmpty()) {
                        spans.getLast()[1] = m[1];
                    } else {
                        spans.add(new int[] {m[0], m[1]});
                    }
                    previous = m[2];
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previousMatch = false;
                for (int[] m : matches) {
                    if (m[2] == 1 && !previousMatch && !spans.isEmpty()) {
                        spans.getLast()[1] = m[1];
                    } else {
                        spans.add(new int[] {m[0], m[1]});
                    }
                    previousMatch = m[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previousMatch = false; // walking backwards: whether the span after this one matched
                for (int i = matches.size() - 1; i >= 0; i--) {
                    int[] m = matches.get(i);
                    if (m[2] == 1 && !previousMatch && !spans.isEmpty()) {
                        spans.getLast()[0] = m[0];
                    } else {
                        spans.add(new int[] {m[0], m[1]});
                    }
                    previousMatch = m[2] == 1;
                }
                Collections.reverse(spans);
            }
        }
        String text = piece.text();
        for (int[] s : spans) {
            if (s[1] > s[0]) {
                out.add(new Piece(text.substring(s[0], s[1]), piece.start() + s[0]));
            }
        }
    }
}
