package org.pkt4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * A {@code --data} file: chat JSONL or pre-tokenized JSONL (ARCHITECTURE "Data files"). The kind is
 * decided by the first record; mixing kinds in one file is an error naming the first offending line.
 */
public record DataFile(Path path, List<ChatRecord> chat, List<TokenRecord> tokens) {

    public boolean isChat() {
        return chat != null;
    }

    public int size() {
        return isChat() ? chat.size() : tokens.size();
    }

    public static DataFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "data file not found");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        List<ChatRecord> chat = new ArrayList<>();
        List<TokenRecord> tokens = new ArrayList<>();
        Boolean isChat = null;
        for (int i = 0; i < lines.length; i++) {
            String s = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (s.isBlank()) {
                continue;
            }
            int line = i + 1;
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(s);
            } catch (JsonProcessingException e) {
                throw new FormatException(file, "line " + line + ": malformed JSON: " + e.getOriginalMessage());
            }
            if (n == null || !n.isObject()) {
                throw new FormatException(file, "line " + line + ": expected a JSON object");
            }
            boolean recChat = n.has("messages");
            boolean recTok = n.has("input_ids") || n.has("context_ids");
            if (!recChat && !recTok) {
                throw new FormatException(file, "line " + line + ": expected a chat record with 'messages' or a pre-tokenized "
                        + "record with 'input_ids' (+ 'labels') or 'context_ids' + 'target_id'");
            }
            if (isChat == null) {
                isChat = recChat;
            } else if (isChat != recChat) {
                throw new FormatException(file, "line " + line + ": mixes " + (recChat ? "a chat record" : "a pre-tokenized record")
                        + " into a file of " + (isChat ? "chat records" : "pre-tokenized records"));
            }
            if (recChat) {
                chat.add(ChatJsonl.parse(file, line, s));
            } else {
                tokens.add(parseTokens(file, line, n));
            }
        }
        if (isChat == null) {
            throw new FormatException(file, "empty dataset: no records");
        }
        return isChat ? new DataFile(file, List.copyOf(chat), null) : new DataFile(file, null, List.copyOf(tokens));
    }

    private static TokenRecord parseTokens(Path file, int line, JsonNode n) throws FormatException {
        int[] ids = ints(file, line, n, "input_ids");
        int[] labels = ints(file, line, n, "labels");
        int[] ctx = ints(file, line, n, "context_ids");
        int target = -1;
        if (ctx != null) {
            JsonNode t = n.get("target_id");
            if (t == null || !t.isIntegralNumber() || t.asInt() < 0) {
                throw new FormatException(file, "line " + line + ": 'context_ids' needs a non-negative integer 'target_id'");
            }
            target = t.asInt();
        }
        if (ids != null) {
            if (labels == null) {
                labels = ids.clone();
            } else if (labels.length != ids.length) {
                throw new FormatException(file, "line " + line + ": 'labels' has " + labels.length + " entries, 'input_ids' " + ids.length);
            }
        }
        return new TokenRecord(ids, labels, ctx, target, line);
    }

    private static int[] ints(Path file, int line, JsonNode n, String key) throws FormatException {
        JsonNode a = n.get(key);
        if (a == null) {
            return null;
        }
        if (!a.isArray() || a.isEmpty()) {
            throw new FormatException(file, "line " + line + ": '" + key + "' must be a non-empty list of integers");
        }
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isIntegralNumber()) {
                throw new FormatException(file, "line " + line + ": '" + key + "' must hold integers, found " + a.get(i));
            }
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
