package org.pkt4j.data;

import java.util.List;

/**
 * The LaTen chat rendering (PKT-SPEC §1): each message becomes {@code "<|role|>\n" + content.strip() + "\n\n"};
 * the user prompt is the rendering of all messages but the last followed by {@code "<|assistant|>\n"};
 * the response is the rest of the full rendering.
 */
public final class ChatFormat {
    private ChatFormat() {
    }

    public static String renderMessage(ChatRecord.Message m) {
        return "<|" + m.role() + "|>\n" + m.content().strip() + "\n\n";
    }

    /** All messages rendered. */
    public static String full(List<ChatRecord.Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (ChatRecord.Message m : messages) {
            sb.append(renderMessage(m));
        }
        return sb.toString();
    }

    /** All but the last message rendered, then {@code "<|assistant|>\n"}. */
    public static String userPrompt(List<ChatRecord.Message> messages) {
        return full(messages.subList(0, messages.size() - 1)) + "<|assistant|>\n";
    }

    /** The full rendering minus the user prompt: the last message's content and its trailing "\n\n". */
    public static String response(List<ChatRecord.Message> messages) {
        String full = full(messages);
        String prompt = userPrompt(messages);
        if (!full.startsWith(prompt)) {
            throw new IllegalArgumentException("the last message must come from the assistant to split prompt and response");
        }
        return full.substring(prompt.length());
    }
}
