package dev.cloister.protocol.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.protocol.openai.ChatCompletionRequest.Limits;
import dev.cloister.protocol.openai.ChatCompletionRequest.Message;
import dev.cloister.protocol.openai.ChatCompletionRequest.Role;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ChatCompletionRequestTest {

    static ChatCompletionRequest parse(String json) throws OpenAiError {
        return ChatCompletionRequest.parse(json.getBytes(StandardCharsets.UTF_8), Limits.DEFAULT);
    }

    static OpenAiError refused(int status, String param, String json) {
        OpenAiError e = assertThrows(OpenAiError.class, () -> parse(json));
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(param, e.param().orElse(null), e.getMessage());
        return e;
    }

    @Test
    void readsTheFieldsTheEnclaveHonours() throws Exception {
        ChatCompletionRequest r = parse("""
                {"model":"m","messages":[{"role":"developer","content":"Be brief."},
                  {"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},
                  {"role":"assistant","content":"Hello"}],
                 "max_tokens":9,"max_completion_tokens":7,"temperature":0.5,"top_p":0.9,"seed":42,
                 "stop":"END","n":1,"stream":true,"stream_options":{"include_usage":true},"user":"ignored",
                 "frequency_penalty":0,"logprobs":false,"response_format":{"type":"text"}}
                """);
        assertEquals("m", r.model());
        assertEquals(
                List.of(
                        new Message(Role.DEVELOPER, "Be brief."),
                        new Message(Role.USER, "Hi there"),
                        new Message(Role.ASSISTANT, "Hello")),
                r.messages());
        assertEquals(OptionalInt.of(7), r.maxTokens(), "max_completion_tokens wins over max_tokens");
        assertEquals(0.5f, r.temperature());
        assertEquals(0.9f, r.topP());
        assertEquals(OptionalLong.of(42), r.seed());
        assertEquals(List.of("END"), r.stop());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
    }

    @Test
    void defaultsAreTheApis() throws Exception {
        ChatCompletionRequest r = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(OptionalInt.empty(), r.maxTokens());
        assertEquals(1f, r.temperature());
        assertEquals(1f, r.topP());
        assertEquals(OptionalLong.empty(), r.seed());
        assertEquals(List.of(), r.stop());
        assertFalse(r.stream());
        assertFalse(r.includeUsage());
    }

    @Test
    void encodeParsesBackToTheSameRequest() throws Exception {
        ChatCompletionRequest r = ChatCompletionRequest.of(
                        "stories260K", List.of(new Message(Role.SYSTEM, "s"), new Message(Role.USER, "ü \"q\"\n")))
                .withMaxTokens(5)
                .withSampling(0.7f, 0.25f, OptionalLong.of(-3))
                .withStop(List.of("a", "bc"))
                .streamed(true);
        assertEquals(r, ChatCompletionRequest.parse(r.encode(), Limits.DEFAULT));
    }

    @Test
    void refusalsNameTheParameterAndNeverTheContent() {
        String user = "{\"role\":\"user\",\"content\":\"secret words\"}";
        refused(400, null, "not json");
        refused(400, null, "[1]");
        refused(400, "model", "{\"messages\":[" + user + "]}");
        refused(400, "model", "{\"model\":\"\",\"messages\":[" + user + "]}");
        refused(400, "messages", "{\"model\":\"m\",\"messages\":[]}");
        refused(400, "messages[0]", "{\"model\":\"m\",\"messages\":[7]}");
        refused(400, "messages[0].role", "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}");
        refused(400, "messages[0].content", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}");
        refused(
                400,
                "messages[0].content[0]",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}");
        refused(400, "n", "{\"model\":\"m\",\"n\":2,\"messages\":[" + user + "]}");
        refused(400, "max_tokens", "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[" + user + "]}");
        refused(400, "max_tokens", "{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[" + user + "]}");
        refused(400, "temperature", "{\"model\":\"m\",\"temperature\":2.5,\"messages\":[" + user + "]}");
        refused(400, "temperature", "{\"model\":\"m\",\"temperature\":\"hot\",\"messages\":[" + user + "]}");
        refused(400, "top_p", "{\"model\":\"m\",\"top_p\":0,\"messages\":[" + user + "]}");
        refused(400, "seed", "{\"model\":\"m\",\"seed\":1.5,\"messages\":[" + user + "]}");
        refused(400, "stop", "{\"model\":\"m\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"messages\":[" + user + "]}");
        refused(400, "stop", "{\"model\":\"m\",\"stop\":\"\",\"messages\":[" + user + "]}");
        refused(400, "stop", "{\"model\":\"m\",\"stop\":[1],\"messages\":[" + user + "]}");
        refused(400, "stream", "{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[" + user + "]}");
        refused(
                400,
                "stream_options",
                "{\"model\":\"m\",\"stream_options\":{\"include_usage\":true},\"messages\":[" + user + "]}");
        refused(400, "tools", "{\"model\":\"m\",\"tools\":[],\"messages\":[" + user + "]}");
        refused(400, "logprobs", "{\"model\":\"m\",\"logprobs\":true,\"messages\":[" + user + "]}");
        refused(400, "presence_penalty", "{\"model\":\"m\",\"presence_penalty\":1,\"messages\":[" + user + "]}");
        refused(
                400,
                "response_format",
                "{\"model\":\"m\",\"response_format\":{\"type\":\"json_object\"},\"messages\":[" + user + "]}");
        OpenAiError e =
                refused(400, "messages[0].role", "{\"model\":\"m\",\"messages\":[{\"role\":\"secret words\"}]}");
        assertFalse(e.toJson().encode().contains("secret"), "the refusal does not echo the input");
    }

    @Test
    void sizesAreCheckedBeforeParsing() {
        Limits small = new Limits(100, 2, 10);
        OpenAiError body = assertThrows(OpenAiError.class, () -> ChatCompletionRequest.parse(new byte[101], small));
        assertEquals(413, body.status());
        String three = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"a\"}]}";
        assertEquals(
                413,
                assertThrows(
                                OpenAiError.class,
                                () -> ChatCompletionRequest.parse(three.getBytes(StandardCharsets.UTF_8), small))
                        .status());
        String longContent = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"12345678901\"}]}";
        OpenAiError content = assertThrows(
                OpenAiError.class,
                () -> ChatCompletionRequest.parse(longContent.getBytes(StandardCharsets.UTF_8), small));
        assertEquals(413, content.status());
        assertEquals("messages[0].content", content.param().orElseThrow());
    }

    @Test
    void errorsHaveTheOpenAiShape() {
        OpenAiError e = OpenAiError.unknownModel();
        assertEquals(
                "{\"error\":{\"message\":\"the model does not exist or is not served here\","
                        + "\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_not_found\"}}",
                e.toJson().encode());
        OpenAiError read = OpenAiError.decode(404, e.encode());
        assertEquals(e.getMessage(), read.getMessage());
        assertEquals("model_not_found", read.code().orElseThrow());
        assertEquals(
                502,
                OpenAiError.decode(200, "x".getBytes(StandardCharsets.UTF_8)).status());
        assertTrue(OpenAiError.overloaded("busy").retryable());
    }
}
