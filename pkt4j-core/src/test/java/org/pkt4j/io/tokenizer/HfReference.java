package org.pkt4j.io.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.Json;

/**
 * The official Hugging Face tokenizers (Rust, 0.21.4, through DJL's JNI binding) as the oracle of the pure-Java
 * tokenizer: ids without special tokens added, no truncation or padding, and decoding with special tokens
 * kept and without DJL's own clean-up of spaces, i.e. exactly {@code Tokenizer::encode(text, false)} and
 * {@code Tokenizer::decode(ids, false)}. Also the {@code tokenizer.json} rewrites the tests need.
 */
final class HfReference implements AutoCloseable {
    private final HuggingFaceTokenizer djl;

    private HfReference(HuggingFaceTokenizer djl) {
        this.djl = djl;
    }

    /** Loads {@code root} written as the only file of {@code dir} (so no config file beside it is read). */
    static HfReference of(JsonNode root, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(root));
        return new HfReference(HuggingFaceTokenizer.newInstance(file, Map.of(
                "addSpecialTokens", "false", "truncation", "false", "padding", "false", "cleanUpTokenization", "false")));
    }

    int[] encode(String text) {
        long[] ids = djl.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return djl.decode(l, false);
    }

    @Override
    public void close() {
        djl.close();
    }

    /**
     * The file with its {@code "a b"} merges rewritten as {@code ["a", "b"]} pairs. The Llama-2 copies in
     * shared/data have pieces containing U+0020 (see {@link #restoreNbsp}), which makes three merge strings
     * contain two or more spaces; tokenizers 0.21 rejects those ("Merges text file invalid"), newer releases
     * cut them where a, b and ab are all pieces. This rewrite cuts them that way so that 0.21 can read the
     * file; returned are the strings that needed it.
     */
    static List<String> pairMerges(ObjectNode root) {
        ObjectNode model = (ObjectNode) root.get("model");
        JsonNode vocab = model.get("vocab");
        ArrayNode pairs = Json.MAPPER.createArrayNode();
        List<String> ambiguous = new ArrayList<>();
        for (JsonNode m : model.get("merges")) {
            if (!m.isTextual()) {
                pairs.add(m);
                continue;
            }
            String line = m.asText();
            int cut = line.indexOf(' ');
            if (line.indexOf(' ', cut + 1) >= 0) {
                ambiguous.add(line);
                for (cut = line.indexOf(' '); cut >= 0; cut = line.indexOf(' ', cut + 1)) {
                    String a = line.substring(0, cut), b = line.substring(cut + 1);
                    if (vocab.has(a) && vocab.has(b) && vocab.has(a + b)) {
                        break;
                    }
                }
            }
            pairs.add(Json.MAPPER.createArrayNode().add(line.substring(0, cut)).add(line.substring(cut + 1)));
        }
        model.set("merges", pairs);
        return ambiguous;
    }

    /**
     * The Llama-2 vocabulary as Meta's tokenizer.model has it: the shipped copies turned U+00A0 into U+0020 in
     * four pieces and their merges (shared/data MANIFEST); no other Llama-2 piece contains U+0020. Call after
     * {@link #pairMerges}.
     */
    static void restoreNbsp(ObjectNode root) {
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        ObjectNode fixed = Json.MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            fixed.set(e.getKey().replace(' ', '\u00a0'), e.getValue());
        }
        model.set("vocab", fixed);
        ArrayNode merges = Json.MAPPER.createArrayNode();
        for (JsonNode m : model.get("merges")) {
            merges.add(Json.MAPPER.createArrayNode()
                    .add(m.get(0).asText().replace(' ', '\u00a0')).add(m.get(1).asText().replace(' ', '\u00a0')));
        }
        model.set("merges", merges);
    }

    static ObjectNode read(Path file) throws IOException {
        return (ObjectNode) Json.MAPPER.readTree(file.toFile());
    }
}
