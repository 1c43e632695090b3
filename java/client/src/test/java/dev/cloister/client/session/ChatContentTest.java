package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.protocol.openai.ChatCompletion;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ServerSentEvents;
import dev.cloister.protocol.openai.Usage;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SDK's reader of the enclave's full {@code text/event-stream} form: every chunk checked in its place. */
class ChatContentTest {

    static final String ID = "chatcmpl-abc";

    static ChatCompletionChunk chunk(String id, boolean opens, String text, ChatCompletion.Finish finish) {
        return new ChatCompletionChunk(
                id,
                7,
                "m",
                Optional.of(new ChatCompletionChunk.Delta(opens, text, Optional.ofNullable(finish))),
                Optional.empty());
    }

    static ChatCompletionChunk usage() {
        return new ChatCompletionChunk(ID, 7, "m", Optional.empty(), Optional.of(new Usage(3, 2)));
    }

    static byte[] events(List<ChatCompletionChunk> chunks, boolean done) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ChatCompletionChunk c : chunks) out.writeBytes(ServerSentEvents.event(c.encode()));
        if (done) out.writeBytes(ServerSentEvents.event(ServerSentEvents.DONE));
        return out.toByteArray();
    }

    static ChatContent.Completion reader(List<ChatCompletionChunk> into) {
        return new ChatContent.Completion(
                into::add,
                new RequestAttempt("chat", new RequestLogEntry.Shared(1, 1, List.of()), Instant.EPOCH, "relay"),
                () -> false,
                ChatStreamForm.EVENT_STREAM);
    }

    @Test
    void aWellFormedStreamIsPassedOnChunkForChunkAndJoined() throws Exception {
        List<ChatCompletionChunk> sent = List.of(
                chunk(ID, true, "", null),
                chunk(ID, false, "Once", null),
                chunk(ID, false, " upon", null),
                chunk(ID, false, "", ChatCompletion.Finish.LENGTH),
                usage());
        List<ChatCompletionChunk> got = new ArrayList<>();
        ChatContent.Completion reader = reader(got);
        byte[] bytes = events(sent, true);
        // cut anywhere: events are reassembled
        reader.streamed(java.util.Arrays.copyOfRange(bytes, 0, 37));
        reader.streamed(java.util.Arrays.copyOfRange(bytes, 37, bytes.length));
        assertTrue(reader.complete());
        assertEquals(sent, got);
        ChatAnswer answer = reader.answer();
        assertEquals("Once upon", answer.content());
        assertEquals(ChatCompletion.Finish.LENGTH, answer.finish());
        assertEquals(Optional.of(new Usage(3, 2)), answer.usage());
        assertEquals(ID, answer.id());
    }

    @Test
    void chunksOutOfPlaceAreRefused() {
        ChatCompletionChunk open = chunk(ID, true, "", null);
        ChatCompletionChunk text = chunk(ID, false, "a", null);
        ChatCompletionChunk finish = chunk(ID, false, "", ChatCompletion.Finish.STOP);
        record Case(String why, List<ChatCompletionChunk> chunks) {}
        List<Case> cases = List.of(
                new Case("does not open with the assistant's turn", List.of(text)),
                new Case("opens twice", List.of(open, open)),
                new Case("names another completion", List.of(open, chunk("chatcmpl-other", false, "a", null))),
                new Case("a delta follows the finish reason", List.of(open, finish, text)),
                new Case("the usage comes before the finish reason", List.of(open, usage())),
                new Case("a chunk follows the usage", List.of(open, finish, usage(), usage())));
        for (Case c : cases) {
            ChatCompletion.Malformed e = assertThrows(
                    ChatCompletion.Malformed.class,
                    () -> reader(new ArrayList<>()).streamed(events(c.chunks(), false)));
            assertTrue(e.getMessage().contains(c.why()), () -> c.why() + ": " + e.getMessage());
        }
        assertThrows(
                ChatCompletion.Malformed.class,
                () -> reader(new ArrayList<>()).streamed(events(List.of(open, text), true)),
                "[DONE] without a finish reason");
        assertThrows(
                ChatCompletion.Malformed.class,
                () -> reader(new ArrayList<>()).streamed(ServerSentEvents.event("{\"id\":1}")),
                "not a chunk");
    }
}
