package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, in pure Java and byte-exact with the Rust
 * {@code tokenizers} library (0.21) on the same file. Encoding follows
 * {@code TokenizerImpl::encode(text, add_special_tokens=false)}:
 * <ol>
 *   <li>added tokens with {@code normalized: false} are cut out of the raw text;</li>
 *   <li>each remaining stretch is normalized, and added tokens with {@code normalized: true} are cut out of it
 *       (matching their normalized spelling: with Llama-2's Prepend("▁") normalizer {@code <s>} is found as
 *       "▁<s>");</li>
 *   <li>each remaining stretch is pre-tokenized into pieces, and each piece is BPE-encoded.</li>
 * </ol>
 * The post-processor (BOS insertion), truncation and padding are not applied. Decoding maps ids to their
 * tokens (unknown ids are skipped, special tokens kept) and runs the decoder; without a decoder the tokens
 * are joined with spaces, as Hugging Face does. Instances are immutable apart from a concurrent cache and may be
 * shared between threads.
 */
public final class HfTokenizer implements Tokenizer {
    private final Path file;
    private final Bpe model;
    private final Normalizers.Normalizer normalizer;
    private final PreTokenizers.PreTokenizer preTokenizer;
    private final Decoders.Decoder decoder;
    private final AddedTokens rawAdded;        // normalized: false, matched in the input
    private final AddedTokens normalizedAdded; // normalized: true, matched in normalized text
    private final Map<String, Integer> addedIds = new HashMap<>();
    private final Map<Integer, String> addedTokens = new HashMap<>();
    private final List<AddedTokens.AddedToken> added;
    private final int vocabSize;
    private final int bosId;
    private final int eosId;

    private HfTokenizer(Path file, JsonNode root) throws IOException {
        this.file = file;
        JsonNode modelNode = root.get("model");
        if (modelNode == null || !modelNode.isObject()) {
            throw new FormatException(file, "expected a 'model' object (is this a tokenizer.json?)");
        }
        model = Bpe.parse(modelNode, file);
        normalizer = Normalizers.parse(root.get("normalizer"), file);
        preTokenizer = PreTokenizers.parse(root.get("pre_tokenizer"), file);
        decoder = Decoders.parse(root.get("decoder"), file);

        added = parseAdded(root.get("added_tokens"));
        List<AddedTokens.AddedToken> raw = new ArrayList<>(), norm = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>(), normPatterns = new ArrayList<>();
        int maxId = model.idToToken.length - 1;
        for (AddedTokens.AddedToken t : added) {
            addedIds.put(t.content(), t.id());
            addedTokens.put(t.id(), t.content());
            maxId = Math.max(maxId, t.id());
            if (t.normalized()) {
                norm.add(t);
                normPatterns.add(normalizer.normalize(t.content()));
            } else {
                raw.add(t);
                rawPatterns.add(t.content());
            }
        }
        vocabSize = maxId + 1;
        rawAdded = new AddedTokens(raw, rawPatterns);
        normalizedAdded = new AddedTokens(norm, normPatterns);

        SpecialTokens special = SpecialTokens.resolve(file, root.get("post_processor"), this::pieceId);
        bosId = special.bosId();
        eosId = special.eosId();
    }

    /** Reads {@code file} (a {@code tokenizer.json}) and the BOS/EOS names of the config files beside it. */
    public static HfTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "tokenizer file not found");
        }
        JsonNode root = Json.read(file);
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "expected a JSON object (a Hugging Face tokenizer.json)");
        }
        return new HfTokenizer(file, root);
    }

    /**
     * The {@code added_tokens} entries with the ids Hugging Face gives them when it loads the file: a token the
     * model or an earlier entry already has keeps that id; a new one takes the next id after the largest added
     * id, or the model's vocabulary size when that is larger. For consistent files these are the ids written
     * in the file, which Hugging Face ignores; empty contents are skipped as Hugging Face does.
     */
    private List<AddedTokens.AddedToken> parseAdded(JsonNode list) throws FormatException {
        List<AddedTokens.AddedToken> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new FormatException(file, "expected array 'added_tokens', found " + Components.abbreviate(list));
        }
        Map<String, Integer> ids = new HashMap<>();
        int maxAdded = -1;
        for (JsonNode t : list) {
            String what = "added_tokens entry " + Components.abbreviate(t);
            String content = Components.string(t, "content", file, what);
            if (content.isEmpty()) {
                continue;
            }
            Integer id = ids.get(content);
            if (id == null) {
                id = model.vocab.get(content);
            }
            if (id == null) {
                int modelSize = model.vocab.size();
                id = maxAdded >= modelSize || (maxAdded >= 0 && modelSize == 0) ? maxAdded + 1 : modelSize;
            }
            ids.put(content, id);
            maxAdded = Math.max(maxAdded, id);
            boolean special = Components.bool(t, "special", false, file, what);
            out.add(new AddedTokens.AddedToken(id, content, special,
                    Components.bool(t, "single_word", false, file, what),
                    Components.bool(t, "lstrip", false, file, what),
                    Components.bool(t, "rstrip", false, file, what),
                    Components.bool(t, "normalized", !special, file, what)));
        }
        return out;
    }

    @Override
    public int[] encode(String text) {
        Bpe.IntList ids = new Bpe.IntList(text.length() / 3 + 4);
        List<PreTokenizers.Piece> pieces = new ArrayList<>();
        for (AddedTokens.Segment raw : rawAdded.split(text)) {
            if (raw.id() >= 0) {
                ids.add(raw.id());
                continue;
            }
            if (raw.end() == raw.start()) {
                continue;
            }
            String normalized = normalizer.normalize(text.substring(raw.start(), raw.end()));
            for (AddedTokens.Segment seg : normalizedAdded.split(normalized)) {
                if (seg.id() >= 0) {
                    ids.add(seg.id());
                    continue;
                }
                if (seg.end() == seg.start()) {
                    continue;
                }
                pieces.clear();
                preTokenizer.split(new PreTokenizers.Piece(normalized.substring(seg.start(), seg.end()),
                        raw.start() + seg.start()), pieces);
                for (PreTokenizers.Piece p : pieces) {
                    model.tokenize(p.text(), ids);
                }
            }
        }
        return ids.toArray();
    }

    @Override
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = piece(id);
            if (t != null) {
                tokens.add(t);
            }
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    /** The token of {@code id} (an added token's content, else the model's piece), or null for an unknown id. */
    @Override
    public String piece(int id) {
        String t = addedTokens.get(id);
        if (t != null) {
            return t;
        }
        return id >= 0 && id < model.idToToken.length ? model.idToToken[id] : null;
    }

    @Override
    public int pieceId(String piece) {
        Integer id = addedIds.get(piece);
        if (id == null) {
            id = model.vocab.get(piece);
        }
        return id == null ? -1 : id;
    }

    /** The number of {@code added_tokens} entries (special tokens such as {@code <s>} included). */
    public int addedTokenCount() {
        return added.size();
    }

    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + ", vocab " + vocabSize + ", bos " + bosId + ", eos " + eosId + "]";
    }
}
