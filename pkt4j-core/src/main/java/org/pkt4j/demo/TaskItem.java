package org.pkt4j.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.data.ChatRecord;

/**
 * One demo task example: a user question and the assistant's answer, with the metadata of the shipped
 * splits ({@code dataset}, {@code id}, and {@code category} for knowledge).
 *
 * @param dataset  "arithmetic" or "knowledge"
 * @param id       unique across all splits of the task, e.g. "arithmetic_17", "zoology_4"
 * @param category the MMLU-style subject for knowledge, null for arithmetic
 * @param user     the user message
 * @param answer   the assistant message
 * @param factId   the world fact a knowledge question asks, -1 for arithmetic
 */
public record TaskItem(String dataset, String id, String category, String user, String answer, int factId) {

    /** The record as the readers of chat JSONL see it. */
    public ChatRecord toChatRecord() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("dataset", dataset);
        if (category != null) {
            meta.put("category", category);
        }
        meta.put("id", id);
        return new ChatRecord(messages(), meta, 0);
    }

    public List<ChatRecord.Message> messages() {
        return List.of(new ChatRecord.Message("user", user), new ChatRecord.Message("assistant", answer));
    }

    /**
     * One JSONL line (without the newline) laid out as the shipped splits are — Python's
     * {@code json.dumps(ensure_ascii=False)}: keys in the order dataset, category, id, messages; ", " and ": "
     * separators; only quotes, backslashes and control characters escaped, other text written as UTF-8.
     */
    public String toJsonLine() {
        StringBuilder sb = new StringBuilder("{");
        field(sb, "dataset", dataset).append(", ");
        if (category != null) {
            field(sb, "category", category).append(", ");
        }
        field(sb, "id", id).append(", \"messages\": [");
        List<ChatRecord.Message> ms = messages();
        for (int i = 0; i < ms.size(); i++) {
            sb.append(i == 0 ? "{" : ", {");
            field(sb, "role", ms.get(i).role()).append(", ");
            field(sb, "content", ms.get(i).content()).append('}');
        }
        return sb.append("]}").toString();
    }

    private static StringBuilder field(StringBuilder sb, String key, String value) {
        quote(sb, key).append(": ");
        return quote(sb, value);
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
