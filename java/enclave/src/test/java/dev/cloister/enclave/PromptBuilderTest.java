package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.infer.chat.ChatMessage;
import dev.cloister.infer.chat.ChatRole;
import dev.cloister.infer.chat.ChatTemplate;
import dev.cloister.infer.chat.PlainChatTemplate;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.Style;
import dev.cloister.protocol.Tone;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {

    static final Instant T = Instant.parse("2026-11-28T09:00:00Z");
    static final PromptBuilder PLAIN = new PromptBuilder(PlainChatTemplate.INSTANCE);

    static String prompt(PromptBuilder builder, List<ChatMessage> conversation) {
        return new String(builder.render(conversation), StandardCharsets.UTF_8);
    }

    @Test
    void summarizeIsAnInstructionAndTheMessagesInTimeOrder() {
        AssistantRequest.Summarize s = new AssistantRequest.Summarize(
                List.of(
                        new AssistantRequest.ChatMessage("2", "Bob", T.plusSeconds(60), "second"),
                        new AssistantRequest.ChatMessage("1", "Alice", T, "first")),
                Style.DETAILED);
        List<ChatMessage> conversation = PLAIN.conversation(s);
        assertEquals(
                List.of(ChatRole.SYSTEM, ChatRole.USER),
                conversation.stream().map(ChatMessage::role).toList());
        assertEquals("A detailed summary of a chat.\nAlice: first\nBob: second\nSummary:", prompt(PLAIN, conversation));
    }

    @Test
    void rewriteIsAnInstructionAndTheDraft() {
        assertEquals(
                "Rewrite this message to be formal:\nsee u\nRewritten:",
                prompt(PLAIN, PLAIN.conversation(new AssistantRequest.Rewrite("see u", Tone.FORMAL))));
    }

    @Test
    void chatMessagesKeepTheirRolesAndTheTemplateDecides() {
        List<String> seen = new ArrayList<>();
        ChatTemplate roles = (messages, cue) -> {
            StringBuilder out = new StringBuilder();
            for (ChatMessage m : messages)
                out.append('<').append(m.role().wireName()).append('>').append(m.content());
            seen.add(String.valueOf(cue));
            return out.append(cue ? "<assistant>" : "").toString();
        };
        PromptBuilder builder = new PromptBuilder(roles);
        ChatCompletionRequest request = ChatCompletionRequest.of(
                "m",
                List.of(
                        new ChatCompletionRequest.Message(ChatCompletionRequest.Role.DEVELOPER, "d"),
                        new ChatCompletionRequest.Message(ChatCompletionRequest.Role.USER, "u"),
                        new ChatCompletionRequest.Message(ChatCompletionRequest.Role.ASSISTANT, "a")));
        assertEquals("<system>d<user>u<assistant>a<assistant>", prompt(builder, builder.conversation(request)));
        assertEquals(List.of("true"), seen, "the prompt opens the assistant's turn");
    }
}
