package dev.cloister.enclave;

import dev.cloister.infer.scheduler.Completion;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.openai.ChatCompletion;
import dev.cloister.protocol.openai.ChatCompletionChunk;
import dev.cloister.protocol.openai.ChatDelta;
import dev.cloister.protocol.openai.OpenAiError;
import dev.cloister.protocol.openai.OpenAiPaths;
import dev.cloister.protocol.openai.ServerSentEvents;
import dev.cloister.protocol.openai.Usage;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.bhttp.IndeterminateResponseWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A chat completion's answer in the OpenAI API's shapes, handed to the session's {@link RecordOutbox} as it is
 * produced. Streamed: an indeterminate-length BHTTP response of {@code text/event-stream}: a first
 * {@code chat.completion.chunk} that names the role (sent as soon as the scheduler admits the generation), one per piece
 * of text, a last one with the {@code finish_reason}, with {@code include_usage} a usage chunk, then
 * {@code data: [DONE]}; an admitted answer the enclave cuts short (deadline, failure, shutdown) ends with an error event
 * instead, and no {@code [DONE]}. Whole: one {@code chat.completion}, or an error object with its status. Refusals
 * before admission are known-length BHTTP responses with an error object.
 *
 * <p>A client that asks for {@link OpenAiPaths#CHAT_DELTAS} (the SDK) gets the same events in their compact form
 * ({@link ChatDelta}): the identity once, then the text pieces, the finish reason with the usage, {@code [DONE]}.
 */
final class ChatCompletionOutput implements Assistant.Answer {

    /** The chunk or completion's identity: {@code id}, {@code created}, {@code model}. */
    record Identity(String id, long created, String model) {}

    private final AnswerChannel outbox;
    private final EnclaveSession session;
    private final boolean stream;
    private final boolean compact;
    private final boolean includeUsage;
    private final Identity identity;
    private final Runnable onFirstText;
    private final Runnable onAnswered;
    private final IndeterminateResponseWriter bhttp = new IndeterminateResponseWriter();
    /** The whole answer's text so far (each buffer registered with the session, so its end zeroes it). */
    private byte[] collected = new byte[0];

    private int collectedLength;
    private boolean headSent;
    private boolean ended;
    private boolean textSent;

    ChatCompletionOutput(
            AnswerChannel outbox,
            EnclaveSession session,
            boolean stream,
            boolean compact,
            boolean includeUsage,
            Runnable onFirstText,
            Identity identity,
            Runnable onAnswered) {
        this.outbox = outbox;
        this.session = session;
        this.stream = stream;
        this.compact = compact;
        this.includeUsage = includeUsage;
        this.identity = identity;
        this.onFirstText = onFirstText;
        this.onAnswered = onAnswered;
    }

    @Override
    public synchronized void text(byte[] utf8) {
        if (!textSent) {
            textSent = true;
            onFirstText.run();
        }
        if (stream) {
            sendHead();
            String piece = new String(utf8, StandardCharsets.UTF_8);
            Arrays.fill(utf8, (byte) 0);
            event(
                    compact
                            ? new ChatDelta.Text(piece).encode()
                            : chunk(
                                    Optional.of(new ChatCompletionChunk.Delta(false, piece, Optional.empty())),
                                    Optional.empty()));
        } else {
            if (collectedLength + utf8.length > collected.length) {
                byte[] bigger =
                        Arrays.copyOf(collected, Math.max(collected.length * 2, collectedLength + utf8.length + 256));
                Arrays.fill(collected, (byte) 0);
                collected = bigger;
                session.keep(collected);
            }
            System.arraycopy(utf8, 0, collected, collectedLength, utf8.length);
            collectedLength += utf8.length;
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /**
     * The generation was admitted (the scheduler took it): a stream's head and its role chunk go out now, before the
     * first token. Whatever ends an admitted stream (its deadline, a failure, shutdown) is an error event in it, even
     * before this is called. No effect on a whole answer, or once the answer has ended.
     */
    synchronized void accepted() {
        if (stream && !ended) sendHead();
    }

    @Override
    public synchronized void finished(Completion completion) {
        ended = true;
        if (completion.reason() == dev.cloister.infer.sampling.FinishReason.STALLED) {
            outbox.abort(); // the client stopped reading: nothing more can reach it
            return;
        }
        Optional<ChatCompletion.Finish> finish = switch (completion.reason()) {
            case END_OF_TEXT, STOP_STRING -> Optional.of(ChatCompletion.Finish.STOP);
            case MAX_TOKENS, CONTEXT_FULL -> Optional.of(ChatCompletion.Finish.LENGTH);
            case CANCELLED, DEADLINE, STALLED, FAILED, SHUTDOWN -> Optional.empty();
        };
        Usage usage = new Usage(completion.promptTokens(), completion.generatedTokens());
        if (finish.isEmpty()) {
            OpenAiError error = switch (completion.reason()) {
                case DEADLINE ->
                    new OpenAiError(504, OpenAiError.SERVER_ERROR, null, "timeout", "the answer's deadline passed");
                case SHUTDOWN -> OpenAiError.overloaded("the enclave is shutting down");
                default ->
                    new OpenAiError(500, OpenAiError.SERVER_ERROR, null, null, "the answer could not be completed");
            };
            if (stream) {
                // Admitted by the scheduler (only an admitted generation finishes): a stream's every ending is in it.
                sendHead();
                event(new String(error.encode(), StandardCharsets.UTF_8));
                outbox.seal(bhttp.end(FieldSection.EMPTY));
                outbox.close();
            } else {
                refuse(error);
            }
            return;
        }
        onAnswered.run(); // counted before the answer leaves: a caller that has it sees the count
        if (stream) {
            sendHead();
            if (compact) {
                event(new ChatDelta.Finished(finish.get(), includeUsage ? Optional.of(usage) : Optional.empty())
                        .encode());
            } else {
                event(chunk(Optional.of(new ChatCompletionChunk.Delta(false, "", finish)), Optional.empty()));
                if (includeUsage) event(chunk(Optional.empty(), Optional.of(usage)));
            }
            event(ServerSentEvents.DONE);
            outbox.seal(bhttp.end(FieldSection.EMPTY));
        } else {
            byte[] body = new ChatCompletion(
                            identity.id(),
                            identity.created(),
                            identity.model(),
                            new String(collected, 0, collectedLength, StandardCharsets.UTF_8),
                            finish.get(),
                            usage)
                    .encode();
            outbox.seal(BinaryResponse.of(200, FieldSection.of("content-type", MediaTypes.JSON), body)
                    .encode());
            Arrays.fill(body, (byte) 0);
        }
        outbox.close();
    }

    /** Answers a refusal before generation started: a known-length response with the error object. */
    synchronized void refuse(OpenAiError error) {
        ended = true;
        if (headSent) {
            outbox.close(); // not reached: refusals come before the stream starts
            return;
        }
        outbox.seal(whole(error));
        outbox.close();
    }

    /** An error as a known-length BHTTP response ({@code Retry-After} on an overload). */
    static byte[] whole(OpenAiError error) {
        FieldSection headers = error.retryable()
                ? FieldSection.of("content-type", MediaTypes.JSON, "retry-after", "1")
                : FieldSection.of("content-type", MediaTypes.JSON);
        return BinaryResponse.of(error.status(), headers, error.encode()).encode();
    }

    private String chunk(Optional<ChatCompletionChunk.Delta> delta, Optional<Usage> usage) {
        return new ChatCompletionChunk(identity.id(), identity.created(), identity.model(), delta, usage).encode();
    }

    private void event(String data) {
        byte[] event = ServerSentEvents.event(data);
        byte[] framed = bhttp.contentChunk(event);
        Arrays.fill(event, (byte) 0);
        outbox.seal(framed);
    }

    /** The head and the first chunk, which names the role. */
    private void sendHead() {
        if (headSent) return;
        headSent = true;
        outbox.seal(bhttp.head(
                List.of(),
                200,
                FieldSection.of("content-type", compact ? OpenAiPaths.CHAT_DELTAS : OpenAiPaths.EVENT_STREAM)));
        event(
                compact
                        ? new ChatDelta.Opened(identity.id(), identity.created(), identity.model()).encode()
                        : chunk(
                                Optional.of(new ChatCompletionChunk.Delta(true, "", Optional.empty())),
                                Optional.empty()));
    }
}
