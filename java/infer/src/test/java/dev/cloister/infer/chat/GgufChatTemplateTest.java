package dev.cloister.infer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.testing.Vectors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GgufChatTemplateTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-09T08:30:00Z"), ZoneOffset.UTC);

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant."), ChatMessage.user("Summarize the unread messages."));

    /** A GGUF header with a Llama 3 style vocabulary: 0 = <|begin_of_text|>, 1 = <|eot_id|>. */
    private static Map<String, GgufValue> llamaMetadata() {
        Map<String, GgufValue> metadata = new HashMap<>();
        metadata.put(
                GgufChatTemplate.TOKENS,
                new GgufValue.Array(
                        GgufType.STRING,
                        List.of(
                                GgufValue.Text.of("<|begin_of_text|>"),
                                GgufValue.Text.of("<|eot_id|>"),
                                GgufValue.Text.of("hello"))));
        metadata.put(GgufChatTemplate.BOS, new GgufValue.Whole(GgufType.UINT32, 0));
        metadata.put(GgufChatTemplate.EOS, new GgufValue.Whole(GgufType.UINT32, 1));
        return metadata;
    }

    private static ChatTemplate of(Map<String, GgufValue> metadata) {
        return GgufChatTemplate.of(GgufFile.of(metadata, List.of()), TemplateLimits.defaults(), CLOCK);
    }

    @Test
    void aModelWithATemplateRendersItWithItsOwnSpecialTokens() {
        Map<String, Object> fixture = JinjaChatTemplateReferenceTest.fixture("llama-3.2-instruct.json");
        Map<String, GgufValue> metadata = llamaMetadata();
        metadata.put(
                GgufChatTemplate.TEMPLATE,
                GgufValue.Text.of(Vectors.read("chat-templates", "llama-3.2-instruct.jinja")));
        ChatTemplate template = of(metadata);
        assertInstanceOf(JinjaChatTemplate.class, template);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) fixture.get("cases")).getFirst();
        assertEquals("system-user/generation-prompt", first.get("name"));
        assertEquals(first.get("expected"), template.render(CONVERSATION, true));
        assertEquals(first.get("expected"), template.render(JinjaChatTemplateReferenceTest.messages(first), true));
    }

    @Test
    void eosTokenIsTheVocabularysText() {
        Map<String, GgufValue> metadata = llamaMetadata();
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("{{ bos_token }}|{{ eos_token }}"));
        assertEquals("<|begin_of_text|>|<|eot_id|>", of(metadata).render(CONVERSATION, true));
    }

    @Test
    void aModelWithoutSpecialTokensLeavesThemUndefined() {
        Map<String, GgufValue> metadata = new HashMap<>();
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("{{ bos_token is defined }}{{ eos_token }}"));
        assertEquals("false", of(metadata).render(CONVERSATION, true));
    }

    @Test
    void aModelWithoutATemplateKeepsThePlainPrompt() {
        assertSame(PlainChatTemplate.INSTANCE, of(llamaMetadata()));
        Map<String, GgufValue> blank = llamaMetadata();
        blank.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("  \n"));
        assertSame(PlainChatTemplate.INSTANCE, of(blank));
    }

    @Test
    void aTemplateThatIsNotAStringIsRefused() {
        Map<String, GgufValue> metadata = llamaMetadata();
        metadata.put(GgufChatTemplate.TEMPLATE, new GgufValue.Whole(GgufType.UINT32, 7));
        assertTrue(assertThrows(ChatTemplateException.class, () -> of(metadata))
                .getMessage()
                .contains("not a string"));
    }

    @Test
    void aSpecialTokenOutsideTheVocabularyIsRefused() {
        Map<String, GgufValue> metadata = llamaMetadata();
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("{{ eos_token }}"));
        metadata.put(GgufChatTemplate.EOS, new GgufValue.Whole(GgufType.UINT32, 3));
        assertTrue(assertThrows(ChatTemplateException.class, () -> of(metadata))
                .getMessage()
                .contains("is not a token"));
        metadata.remove(GgufChatTemplate.TOKENS);
        assertTrue(assertThrows(ChatTemplateException.class, () -> of(metadata))
                .getMessage()
                .contains("missing"));
    }

    @Test
    void anOversizedTemplateIsRefusedBeforeItIsParsed() {
        TemplateLimits small = new TemplateLimits(100, 1000, 1000, Duration.ofSeconds(5), 100, 8);
        Map<String, GgufValue> metadata = llamaMetadata();
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("x".repeat(301)));
        ChatTemplateException bytes = assertThrows(
                ChatTemplateException.class, () -> GgufChatTemplate.of(GgufFile.of(metadata, List.of()), small, CLOCK));
        assertTrue(bytes.getMessage().contains("bytes exceeds"), bytes.getMessage());
        metadata.put(GgufChatTemplate.TEMPLATE, GgufValue.Text.of("x".repeat(101)));
        ChatTemplateException chars = assertThrows(
                ChatTemplateException.class, () -> GgufChatTemplate.of(GgufFile.of(metadata, List.of()), small, CLOCK));
        assertTrue(chars.getMessage().contains("characters exceeds"), chars.getMessage());
    }
}
