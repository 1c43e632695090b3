package dev.cloister.infer.chat;

import java.util.List;

/**
 * The layout for models trained without a chat format (llama2.c's story models): each message's content on its own
 * line, in order, roles unspoken. {@code addGenerationPrompt} adds nothing: the last message carries its own cue.
 */
public final class PlainChatTemplate implements ChatTemplate {

    public static final PlainChatTemplate INSTANCE = new PlainChatTemplate();

    private PlainChatTemplate() {}

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder prompt = new StringBuilder();
        for (ChatMessage message : messages) {
            if (!prompt.isEmpty()) prompt.append('\n');
            prompt.append(message.content());
        }
        return prompt.toString();
    }

    @Override
    public String toString() {
        return "PlainChatTemplate";
    }
}
