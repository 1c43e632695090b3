package dev.cloister.infer.chat;

import java.util.Objects;

/**
 * One message of a conversation given to a model. Its content is user data: never logged, never put in an exception.
 */
public record ChatMessage(ChatRole role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(ChatRole.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(ChatRole.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(ChatRole.ASSISTANT, content);
    }

    @Override
    public String toString() {
        return "ChatMessage[" + role.wireName() + ", " + content.length() + " chars]";
    }
}
