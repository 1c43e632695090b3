package dev.cloister.protocol.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The answers' JSON, field for field as the OpenAI API documents them, and the event-stream framing. */
class ChatCompletionShapesTest {

    @Test
    void aWholeCompletion() throws Exception {
        ChatCompletion c = new ChatCompletion(
                "chatcmpl-1", 1700000000L, "m", "Hi!", ChatCompletion.Finish.LENGTH, new Usage(5, 3));
        assertEquals(new JsonObject("""
                        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",
                         "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},
                                     "logprobs":null,"finish_reason":"length"}],
                         "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8},
                         "system_fingerprint":null}
                        """), c.toJson());
        assertEquals(c, ChatCompletion.decode(c.encode()));
        assertThrows(
                ChatCompletion.Malformed.class, () -> ChatCompletion.decode("{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void chunks() throws Exception {
        ChatCompletionChunk first = new ChatCompletionChunk(
                "c", 1L, "m", Optional.of(new ChatCompletionChunk.Delta(true, "", Optional.empty())), Optional.empty());
        assertEquals(new JsonObject("""
                        {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":null,
                         "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,
                                     "finish_reason":null}]}
                        """), first.toJson());
        ChatCompletionChunk last = new ChatCompletionChunk(
                "c",
                1L,
                "m",
                Optional.of(new ChatCompletionChunk.Delta(false, "", Optional.of(ChatCompletion.Finish.STOP))),
                Optional.empty());
        ChatCompletionChunk usage =
                new ChatCompletionChunk("c", 1L, "m", Optional.empty(), Optional.of(new Usage(2, 1)));
        assertEquals(new JsonObject("""
                        {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":null,
                         "choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}
                        """), usage.toJson());
        for (ChatCompletionChunk c : List.of(first, last, usage))
            assertEquals(c, ChatCompletionChunk.decode(c.encode()));
    }

    @Test
    void models() throws Exception {
        ModelList list = new ModelList(List.of(new ModelList.Model("stories260K", 5L, "cloister")));
        assertEquals(
                new JsonObject(
                        "{\"object\":\"list\",\"data\":[{\"id\":\"stories260K\",\"object\":\"model\",\"created\":5,"
                                + "\"owned_by\":\"cloister\"}]}"),
                list.toJson());
        assertEquals(list, ModelList.decode(list.encode()));
    }

    @Test
    void eventsAreDataLinesEndedByABlankLine() throws Exception {
        assertEquals("data: {\"a\":1}\n\n", new String(ServerSentEvents.event("{\"a\":1}"), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> ServerSentEvents.event("a\nb"));
        ServerSentEvents.Decoder decoder = new ServerSentEvents.Decoder(64);
        byte[] stream = ": comment\r\ndata: one\r\n\r\nevent: x\ndata:two\ndata: lines\n\nid: 3\rdata: [DONE]\r\r"
                .getBytes(StandardCharsets.UTF_8);
        List<String> events = new java.util.ArrayList<>();
        for (byte b : stream) events.addAll(decoder.offer(new byte[] {b})); // split anywhere, even in a CRLF
        assertEquals(List.of("one", "two\nlines", "[DONE]"), events);
        assertEquals(true, decoder.atEventBoundary());
        ServerSentEvents.Decoder small = new ServerSentEvents.Decoder(8);
        assertThrows(
                ServerSentEvents.Malformed.class,
                () -> small.offer("data: 123456789".getBytes(StandardCharsets.UTF_8)));
        assertThrows(
                ServerSentEvents.Malformed.class,
                () -> small.offer(new byte[] {'\n'}),
                "a failed decoder stays failed");
    }
}
