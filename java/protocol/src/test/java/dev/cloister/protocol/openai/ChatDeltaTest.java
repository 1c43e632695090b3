package dev.cloister.protocol.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The compact form of a streamed completion: its events, and the full chunks each stands for. */
class ChatDeltaTest {

    private static final ChatDelta.Opened OPENED = new ChatDelta.Opened("chatcmpl-1", 1700000000L, "m");

    @Test
    void eventsEncodeAndDecodeBack() throws Exception {
        assertEquals(new JsonObject("{\"id\":\"chatcmpl-1\",\"created\":1700000000,\"model\":\"m\"}"), OPENED.toJson());
        assertEquals("{\"content\":\" the\"}", new ChatDelta.Text(" the").encode());
        ChatDelta.Finished finished =
                new ChatDelta.Finished(ChatCompletion.Finish.LENGTH, Optional.of(new Usage(5, 3)));
        assertEquals(new JsonObject("""
                        {"finish_reason":"length","usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}
                        """), finished.toJson());
        for (ChatDelta delta : List.of(
                OPENED,
                new ChatDelta.Text(""),
                new ChatDelta.Text("é\"\\n"),
                finished,
                new ChatDelta.Finished(ChatCompletion.Finish.STOP, Optional.empty()))) {
            assertEquals(delta, ChatDelta.decode(delta.encode()));
        }
    }

    /** Each event stands for the chunks of the full form: role, text, finish then usage. */
    @Test
    void theChunksAreThoseOfTheFullForm() {
        assertEquals(
                List.of(new ChatCompletionChunk(
                        "chatcmpl-1",
                        1700000000L,
                        "m",
                        Optional.of(new ChatCompletionChunk.Delta(true, "", Optional.empty())),
                        Optional.empty())),
                OPENED.chunks(OPENED));
        assertEquals(
                List.of(new ChatCompletionChunk(
                        "chatcmpl-1",
                        1700000000L,
                        "m",
                        Optional.of(new ChatCompletionChunk.Delta(false, "Hi", Optional.empty())),
                        Optional.empty())),
                new ChatDelta.Text("Hi").chunks(OPENED));
        ChatCompletionChunk finish = new ChatCompletionChunk(
                "chatcmpl-1",
                1700000000L,
                "m",
                Optional.of(new ChatCompletionChunk.Delta(false, "", Optional.of(ChatCompletion.Finish.STOP))),
                Optional.empty());
        ChatCompletionChunk usage =
                new ChatCompletionChunk("chatcmpl-1", 1700000000L, "m", Optional.empty(), Optional.of(new Usage(2, 1)));
        assertEquals(
                List.of(finish, usage),
                new ChatDelta.Finished(ChatCompletion.Finish.STOP, Optional.of(new Usage(2, 1))).chunks(OPENED));
        assertEquals(
                List.of(finish), new ChatDelta.Finished(ChatCompletion.Finish.STOP, Optional.empty()).chunks(OPENED));
    }

    /** A token's event is a small fraction of its full chunk (what makes streamed answers need fewer frames). */
    @Test
    void aTokenIsSmallerThanItsChunk() {
        int compact = ServerSentEvents.event(new ChatDelta.Text(" the").encode()).length;
        int full = ServerSentEvents.event(new ChatDelta.Text(" the")
                        .chunks(new ChatDelta.Opened("chatcmpl-" + "x".repeat(24), 1765000000L, "stories260K"))
                        .getFirst()
                        .encode())
                .length;
        assertEquals(26, compact);
        assertTrue(full > 6 * compact, full + " bytes");
    }

    @Test
    void anythingElseIsRefused() {
        for (String data : List.of(
                "",
                "[]",
                "{}",
                "not json",
                "{\"content\":1}",
                "{\"content\":\"a\",\"extra\":1}",
                "{\"id\":\"c\",\"created\":1}",
                "{\"id\":\"c\",\"created\":\"1\",\"model\":\"m\"}",
                "{\"id\":1,\"created\":1,\"model\":\"m\"}",
                "{\"finish_reason\":\"tired\"}",
                "{\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1}}",
                "{\"finish_reason\":\"stop\",\"content\":\"x\"}",
                "{\"object\":\"chat.completion.chunk\",\"id\":\"c\",\"created\":1,\"model\":\"m\",\"choices\":[]}")) {
            assertThrows(ChatCompletion.Malformed.class, () -> ChatDelta.decode(data), data);
        }
    }
}
