package dev.cloister.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AnswerLineTest {

    @Test
    void linesRoundTrip() throws AnswerLine.Malformed {
        AnswerLine text = new AnswerLine.Text("Hello \"world\"\n");
        assertEquals(text, AnswerLine.decode(text.encode()));
        AnswerLine end = new AnswerLine.End(FinishReason.MAX_TOKENS, 12, 0);
        assertEquals(end, AnswerLine.decode(end.encode()));
        assertEquals(
                "{\"done\":{\"finish\":\"max_tokens\",\"prompt_tokens\":12,\"generated_tokens\":0}}", end.encode());
    }

    @Test
    void wholeAnswerRoundTrips() throws AnswerLine.Malformed {
        AnswerLine.End end = new AnswerLine.End(FinishReason.END_OF_TEXT, 3, 4);
        AnswerLine.Whole whole = AnswerLine.decodeWhole(AnswerLine.encodeWhole(end, "an answer"));
        assertEquals(end, whole.end());
        assertEquals("an answer", whole.text());
    }

    @Test
    void malformedLinesAreRefused() {
        for (String bad : new String[] {
            "",
            "[]",
            "{}",
            "{\"done\":{}}",
            "{\"done\":{\"finish\":\"bored\"," + "\"prompt_tokens\":1,\"generated_tokens\":1}}",
            "{\"done\":{\"finish\":\"stop_string\"," + "\"prompt_tokens\":-1,\"generated_tokens\":1}}",
            "{\"text\":3}"
        }) {
            assertThrows(AnswerLine.Malformed.class, () -> AnswerLine.decode(bad), bad);
        }
        assertThrows(AnswerLine.Malformed.class, () -> AnswerLine.decodeWhole("{\"text\":\"x\"}"));
    }
}
