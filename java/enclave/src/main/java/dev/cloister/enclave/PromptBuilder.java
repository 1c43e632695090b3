package dev.cloister.enclave;

import dev.cloister.infer.chat.ChatMessage;
import dev.cloister.infer.chat.ChatRole;
import dev.cloister.infer.chat.ChatTemplate;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one way the enclave turns a request into a prompt: every use case is a conversation ({@link ChatMessage}s)
 * rendered by the model's {@link ChatTemplate}. A chat completion's messages are taken as they are; summarize and
 * rewrite are a fixed system instruction followed by the user's content as one user message, ending with the answer's
 * cue. With {@link dev.cloister.infer.chat.PlainChatTemplate} this gives the story models the same text as before:
 * the instruction, the chat lines in time order, then {@code Summary:} (or the draft, then {@code Rewritten:}).
 */
final class PromptBuilder {

    private final ChatTemplate template;

    PromptBuilder(ChatTemplate template) {
        this.template = template;
    }

    ChatTemplate template() {
        return template;
    }

    /** Summarize: the style's instruction, then the messages in time order as {@code sender: text} lines. */
    List<ChatMessage> conversation(AssistantRequest request) {
        return switch (request) {
            case AssistantRequest.Summarize s -> {
                StringBuilder chat = new StringBuilder();
                s.messages().stream()
                        .sorted(Comparator.comparing(AssistantRequest.ChatMessage::time))
                        .forEach(m -> chat.append(m.sender())
                                .append(": ")
                                .append(m.text())
                                .append('\n'));
                chat.append("Summary:");
                yield List.of(
                        ChatMessage.system("A " + s.style().wireName() + " summary of a chat."),
                        ChatMessage.user(chat.toString()));
            }
            case AssistantRequest.Rewrite r ->
                List.of(
                        ChatMessage.system(
                                "Rewrite this message to be " + r.tone().wireName() + ":"),
                        ChatMessage.user(r.draft() + "\nRewritten:"));
        };
    }

    /** A chat completion's messages, roles mapped to the template's ({@code developer} is a system message). */
    List<ChatMessage> conversation(ChatCompletionRequest request) {
        List<ChatMessage> messages = new ArrayList<>(request.messages().size());
        for (ChatCompletionRequest.Message m : request.messages()) {
            ChatRole role = switch (m.role()) {
                case SYSTEM, DEVELOPER -> ChatRole.SYSTEM;
                case USER -> ChatRole.USER;
                case ASSISTANT -> ChatRole.ASSISTANT;
            };
            messages.add(new ChatMessage(role, m.content()));
        }
        return messages;
    }

    /**
     * The prompt as UTF-8 bytes the caller zeroes after tokenizing, with the cue that opens the assistant's turn.
     *
     * @throws dev.cloister.infer.chat.ChatTemplateException when the template refuses the conversation
     */
    byte[] render(List<ChatMessage> conversation) {
        return template.render(conversation, true).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "PromptBuilder[" + template + "]";
    }
}
