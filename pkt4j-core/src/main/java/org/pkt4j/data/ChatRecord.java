package org.pkt4j.data;

import java.util.List;
import java.util.Map;

/**
 * One chat JSONL record: {@code messages} of {role, content}, and every other field kept as metadata
 * ({@code id}, {@code dataset}, {@code category}, ...).
 */
public record ChatRecord(List<Message> messages, Map<String, Object> metadata, int line) {

    public record Message(String role, String content) {
    }

    public ChatRecord {
        messages = List.copyOf(messages);
        metadata = Map.copyOf(metadata);
    }

    /** The last message (the assistant's answer in task splits). */
    public Message last() {
        return messages.getLast();
    }

    public String id() {
        Object v = metadata.get("id");
        return v == null ? "line-" + line : v.toString();
    }

    public String metaString(String key) {
        Object v = metadata.get(key);
        return v == null ? null : v.toString();
    }
}
