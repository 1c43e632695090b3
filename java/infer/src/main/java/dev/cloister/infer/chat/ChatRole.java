package dev.cloister.infer.chat;

/** Who speaks a chat message, spelled as chat templates expect it ({@code system}, {@code user}, {@code assistant}). */
public enum ChatRole {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant");

    private final String wireName;

    ChatRole(String wireName) {
        this.wireName = wireName;
    }

    /** The name templates and the OpenAI API use. */
    public String wireName() {
        return wireName;
    }
}
