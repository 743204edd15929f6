package org.pkt4j.eval;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.pkt4j.io.Json;
import org.pkt4j.io.tokenizer.Tokenizer;

/**
 * Test-only {@link Tokenizer} over the official Hugging Face {@code tokenizers} (through DJL's JNI binding),
 * standing in for pkt4j's own loader until it lands: encode without special tokens, pieces from the
 * {@code tokenizer.json} vocabulary; DJL's default truncation to 512 tokens is off. The file is loaded after two repairs of the shipped copies (see the data
 * MANIFEST): GPT-2's {@code truncation} to 50 tokens is dropped, and the Llama 2 merges whose NBSP was
 * replaced by a space (unparseable, and for unreachable tokens) are removed.
 */
final class HfReferenceTokenizer implements Tokenizer, AutoCloseable {
    private final HuggingFaceTokenizer hf;
    private final String[] pieces;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int bos;
    private final int eos;

    HfReferenceTokenizer(Path tokenizerJson, String bosPiece, String eosPiece) throws IOException {
        JsonNode root = Json.read(tokenizerJson);
        ObjectNode repaired = root.deepCopy();
        repaired.putNull("truncation");
        ArrayNode merges = (ArrayNode) repaired.get("model").get("merges");
        for (int i = merges.size() - 1; i >= 0; i--) {
            if (merges.get(i).isTextual() && merges.get(i).asText().chars().filter(c -> c == ' ').count() != 1) {
                merges.remove(i);
            }
        }
        Path tmp = Files.createTempFile("pkt4j-tokenizer-", ".json");
        try {
            Files.writeString(tmp, Json.writeLine(repaired));
            this.hf = HuggingFaceTokenizer.newInstance(tmp, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } finally {
            Files.delete(tmp);
        }
        root.get("model").get("vocab").fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        root.get("added_tokens").forEach(t -> ids.put(t.get("content").asText(), t.get("id").asInt()));
        int max = ids.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        pieces = new String[max + 1];
        ids.forEach((p, id) -> pieces[id] = p);
        bos = ids.getOrDefault(bosPiece, -1);
        eos = ids.getOrDefault(eosPiece, -1);
    }

    @Override
    public int[] encode(String text) {
        long[] l = hf.encode(text, false, false).getIds();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, false);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public String piece(int id) {
        return pieces[id];
    }

    @Override
    public int pieceId(String piece) {
        return ids.getOrDefault(piece, -1);
    }

    @Override
    public void close() {
        hf.close();
    }
}
