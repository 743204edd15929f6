package org.pkt4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * Reads chat JSONL (PKT-SPEC §1). Lines are split on {@code \n} only (the shipped splits contain
 * U+0085 and U+2028 inside strings); errors name the file and line.
 */
public final class ChatJsonl {
    private ChatJsonl() {
    }

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public static List<ChatRecord> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "data file not found");
        }
        List<ChatRecord> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            // readLine would also split on a lone \r; read raw and split on \n only
            StringBuilder sb = new StringBuilder();
            int ch;
            int line = 0;
            while (true) {
                ch = r.read();
                if (ch == '\n' || ch == -1) {
                    line++;
                    String s = sb.toString();
                    sb.setLength(0);
                    if (s.endsWith("\r")) {
                        s = s.substring(0, s.length() - 1);
                    }
                    if (!s.isBlank()) {
                        out.add(parse(file, line, s));
                    }
                    if (ch == -1) {
                        break;
                    }
                } else {
                    sb.append((char) ch);
                }
            }
        }
        if (out.isEmpty()) {
            throw new FormatException(file, "empty dataset: no records");
        }
        return out;
    }

    /** Parses one line (1-based {@code line}) of chat JSONL; errors name the file and line. */
    public static ChatRecord parse(Path file, int line, String text) throws FormatException {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "line " + line + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new FormatException(file, "line " + line + ": expected a JSON object");
        }
        JsonNode msgs = n.get("messages");
        if (msgs == null || !msgs.isArray()) {
            throw new FormatException(file, "line " + line + ": record has no 'messages' list (expected chat records "
                    + "{\"messages\": [{\"role\": ..., \"content\": ...}]}; found keys " + keys(n) + ")");
        }
        if (msgs.isEmpty()) {
            throw new FormatException(file, "line " + line + ": 'messages' is empty");
        }
        List<ChatRecord.Message> messages = new ArrayList<>();
        for (JsonNode m : msgs) {
            JsonNode role = m.get("role"), content = m.get("content");
            if (role == null || content == null || !role.isTextual() || !content.isTextual()) {
                throw new FormatException(file, "line " + line + ": every message needs string 'role' and 'content'");
            }
            if (!ROLES.contains(role.asText())) {
                throw new FormatException(file, "line " + line + ": unknown role '" + role.asText() + "' (expected system, user or assistant)");
            }
            messages.add(new ChatRecord.Message(role.asText(), content.asText()));
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("messages")) {
                meta.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        return new ChatRecord(messages, meta, line);
    }

    private static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }
}
