package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pkt4j.io.FormatException;

/**
 * The {@code normalizer} section of {@code tokenizer.json}: text to text, applied to each stretch of input
 * between added tokens. Hugging Face also tracks character alignments; encoding needs only the text.
 */
final class Normalizers {
    private Normalizers() {
    }

    /** One normalizer step. */
    interface Normalizer {
        String normalize(String text);
    }

    /** The identity, for files with {@code "normalizer": null}. */
    static final Normalizer NONE = text -> text;

    /** Reads a normalizer; unknown types are a {@link FormatException} naming the file and type. */
    static Normalizer parse(JsonNode n, Path file) throws FormatException {
        if (n == null || n.isNull()) {
            return NONE;
        }
        String type = Components.type(n, file, "normalizer");
        return switch (type) {
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode s : Components.array(n, "normalizers", file, "normalizer Sequence")) {
                    steps.add(parse(s, file));
                }
                yield text -> {
                    for (Normalizer s : steps) {
                        text = s.normalize(text);
                    }
                    return text;
                };
            }
            // Prepend leaves an empty string alone: an input that is only an added token gets no "▁"
            case "Prepend" -> {
                String prefix = Components.string(n, "prepend", file, "Prepend normalizer");
                yield text -> text.isEmpty() ? text : prefix + text;
            }
            case "Replace" -> replace(n, file, "Replace normalizer");
            case "NFC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC);
            case "NFD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFD);
            case "NFKC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC);
            case "NFKD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKD);
            default -> throw new FormatException(file, "unsupported normalizer type '" + type
                    + "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD)");
        };
    }

    /**
     * A {@code Replace} step (normalizer or decoder): {@code pattern} is {@code {"String": s}} (literal,
     * every non-overlapping occurrence from the left) or {@code {"Regex": r}}.
     */
    static Normalizer replace(JsonNode n, Path file, String what) throws FormatException {
        JsonNode pattern = n.get("pattern");
        String content = Components.string(n, "content", file, what);
        if (pattern != null && pattern.hasNonNull("String")) {
            String literal = pattern.get("String").asText();
            // an empty literal matches nothing in Hugging Face (Java's String.replace would insert everywhere)
            return literal.isEmpty() ? NONE : text -> text.replace(literal, content);
        }
        if (pattern != null && pattern.hasNonNull("Regex")) {
            Pattern regex = compile(pattern.get("Regex").asText(), file, what);
            String replacement = Matcher.quoteReplacement(content);
            return text -> regex.matcher(text).replaceAll(replacement);
        }
        throw new FormatException(file, what + ": expected pattern {\"String\": ...} or {\"Regex\": ...}, found " + pattern);
    }

    static Pattern compile(String regex, Path file, String what) throws FormatException {
        try {
            return OnigRegex.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new FormatException(file, what + ": regex " + regex + " is not supported: " + e.getDescription());
        }
    }
}
