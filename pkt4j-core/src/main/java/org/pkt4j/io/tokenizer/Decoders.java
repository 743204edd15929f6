package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pkt4j.io.FormatException;

/**
 * The {@code decoder} section of {@code tokenizer.json}: token strings back to text. As in Hugging Face each
 * decoder maps the list of token strings to a new list ({@code decode_chain}) and the text is their
 * concatenation, so decoders that act per token (Strip, Metaspace) see token boundaries.
 */
final class Decoders {
    private Decoders() {
    }

    /** One decoder step. */
    interface Decoder {
        List<String> decodeChain(List<String> tokens);
    }

    static Decoder parse(JsonNode n, Path file) throws FormatException {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = Components.type(n, file, "decoder");
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                for (JsonNode s : Components.array(n, "decoders", file, "decoder Sequence")) {
                    steps.add(parse(s, file));
                }
                yield tokens -> {
                    for (Decoder d : steps) {
                        tokens = d.decodeChain(tokens);
                    }
                    return tokens;
                };
            }
            case "Replace" -> {
                Normalizers.Normalizer replace = Normalizers.replace(n, file, "Replace decoder");
                yield tokens -> tokens.stream().map(replace::normalize).toList();
            }
            case "ByteFallback" -> Decoders::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> strip(n, file);
            case "ByteLevel" -> Decoders::byteLevel;
            case "Metaspace" -> metaspace(n, file);
            default -> throw new FormatException(file, "unsupported decoder type '" + type
                    + "' (supported: Sequence, Replace, ByteFallback, Fuse, Strip, ByteLevel, Metaspace)");
        };
    }

    /** Byte-level tokens to their bytes, all of them decoded together (so characters may span tokens). */
    static List<String> byteLevel(List<String> tokens) {
        ByteLevel.ByteSink bytes = new ByteLevel.ByteSink();
        for (String t : tokens) {
            ByteLevel.appendBytes(t, bytes);
        }
        return List.of(bytes.toLossyString());
    }

    /**
     * Runs of {@code <0xXX>} tokens become the text of their bytes; a run that is not valid UTF-8 becomes one
     * U+FFFD per byte (Hugging Face's rule, unlike the per-sequence rule of the byte-level decoder).
     */
    static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteLevel.ByteSink run = new ByteLevel.ByteSink();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                run.add((byte) b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    private static void flushBytes(ByteLevel.ByteSink run, List<String> out) {
        if (run.size() == 0) {
            return;
        }
        if (Utf8.isValid(run.array(), run.size())) {
            out.add(new String(run.array(), 0, run.size(), StandardCharsets.UTF_8));
        } else {
            for (int i = 0; i < run.size(); i++) {
                out.add(String.valueOf(Utf8.REPLACEMENT));
            }
        }
        run.clear();
    }

    /** The byte of a {@code <0xXX>} token (six bytes long, two hex digits of either case), or -1. */
    static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        // Character.digit accepts non-ASCII digits (fullwidth), which would make the token longer than 6 bytes
        if (hi < 0 || lo < 0 || t.charAt(3) > 'f' || t.charAt(4) > 'f') {
            return -1;
        }
        return hi * 16 + lo;
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    private static Decoder strip(JsonNode n, Path file) throws FormatException {
        String what = "Strip decoder";
        int content = Components.character(n, "content", file, what);
        int start = Components.integer(n, "start", 0, file, what);
        int stop = Components.integer(n, "stop", 0, file, what);
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                while (cps.length - to < stop && to > from && cps[to - 1] == content) {
                    to--;
                }
                out.add(new String(cps, from, to - from));
            }
            return out;
        };
    }

    /**
     * The replacement (▁) becomes a space, except in the first token, where it is dropped unless the
     * prepend scheme is {@code never} (Hugging Face drops every ▁ of the first token, not only a leading one).
     */
    private static Decoder metaspace(JsonNode n, Path file) throws FormatException {
        String what = "Metaspace decoder";
        String rep = Character.toString(Components.character(n, "replacement", file, what));
        PreTokenizers.PrependScheme scheme = PreTokenizers.PrependScheme.of(n, file, what);
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                boolean drop = i == 0 && scheme != PreTokenizers.PrependScheme.NEVER;
                out.add(tokens.get(i).replace(rep, drop ? "" : " "));
            }
            return out;
        };
    }
}
