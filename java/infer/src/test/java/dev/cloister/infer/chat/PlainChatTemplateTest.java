package dev.cloister.infer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlainChatTemplateTest {

    @Test
    void joinsContentsLineByLineInOrder() {
        String prompt = PlainChatTemplate.INSTANCE.render(
                List.of(ChatMessage.system("A brief summary of a chat."), ChatMessage.user("Ann: hi\nSummary:")), true);
        assertEquals("A brief summary of a chat.\nAnn: hi\nSummary:", prompt);
    }

    @Test
    void noMessagesIsAnEmptyPrompt() {
        assertEquals("", PlainChatTemplate.INSTANCE.render(List.of(), false));
    }
}
