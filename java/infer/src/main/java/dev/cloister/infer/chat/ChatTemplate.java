package dev.cloister.infer.chat;

import java.util.List;

/**
 * Turns a conversation into the prompt text a model was trained on: the model's own {@code tokenizer.chat_template}
 * for instruct models, a plain layout for models that have none. Implementations are thread-safe.
 */
public interface ChatTemplate {

    /**
     * @param addGenerationPrompt whether to end with the cue that opens the assistant's turn
     * @throws ChatTemplateException when the template refuses the conversation (its {@code raise_exception}) or fails
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
