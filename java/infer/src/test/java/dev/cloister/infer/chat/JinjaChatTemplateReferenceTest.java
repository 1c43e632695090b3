package dev.cloister.infer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every prompt in {@code testdata/vectors/chat-templates}: real models' templates rendered by {@code @huggingface/jinja}
 * (see native/reference/chat-template), byte for byte.
 */
class JinjaChatTemplateReferenceTest {

    private static final List<String> FIXTURES =
            List.of("llama-3.json", "llama-3.1.json", "llama-3.2-instruct.json", "qwen-2.5.json", "qwen-3.json");

    @TestFactory
    Stream<DynamicTest> rendersAsTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : FIXTURES) {
            Map<String, Object> fixture = fixture(name);
            JinjaChatTemplate template = template(fixture);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> cases = (List<Map<String, Object>>) fixture.get("cases");
            assertFalse(cases.isEmpty(), name);
            for (Map<String, Object> each : cases) {
                tests.add(DynamicTest.dynamicTest(name + " " + each.get("name"), () -> {
                    String prompt = template.render(messages(each), (Boolean) each.get("add_generation_prompt"));
                    assertEquals(each.get("expected"), prompt);
                }));
            }
        }
        return tests.stream();
    }

    /** One Jinja feature per template (whitespace control, slices, namespace, loop controls, tojson...). */
    @TestFactory
    Stream<DynamicTest> featuresBehaveAsInTheReference() {
        Map<String, Object> fixture = fixture("jinja-semantics.json");
        Clock clock = clock(fixture);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) fixture.get("cases");
        assertFalse(cases.isEmpty());
        return cases.stream()
                .map(each -> DynamicTest.dynamicTest((String) each.get("name"), () -> {
                    JinjaChatTemplate template = new JinjaChatTemplate(
                            (String) each.get("template"),
                            (String) fixture.get("bos_token"),
                            (String) fixture.get("eos_token"),
                            TemplateLimits.defaults(),
                            clock);
                    assertEquals(each.get("expected"), template.render(messages(each), (Boolean)
                            each.get("add_generation_prompt")));
                }));
    }

    /** One template rendered from several threads at once gives every thread the reference's prompts. */
    @Test
    void concurrentRendersAgree() throws Exception {
        Map<String, Object> fixture = fixture("qwen-3.json");
        JinjaChatTemplate template = template(fixture);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) fixture.get("cases");
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (Map<String, Object> each : cases) {
                            assertEquals(each.get("expected"), template.render(messages(each), (Boolean)
                                    each.get("add_generation_prompt")));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> each : done) each.get(2, TimeUnit.MINUTES);
        }
    }

    static Map<String, Object> fixture(String name) {
        return Json.object(Vectors.read("chat-templates", name));
    }

    /** The template a fixture names, with its tokens and the clock the reference ran with. */
    static JinjaChatTemplate template(Map<String, Object> fixture) {
        Path text = Vectors.file("chat-templates/" + fixture.get("template"));
        Clock clock = clock(fixture);
        try {
            return new JinjaChatTemplate(
                    Files.readString(text),
                    (String) fixture.get("bos_token"),
                    (String) fixture.get("eos_token"),
                    TemplateLimits.defaults(),
                    clock);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Clock clock(Map<String, Object> fixture) {
        return Clock.fixed(Instant.parse((String) fixture.get("now")), ZoneId.of((String) fixture.get("time_zone")));
    }

    @SuppressWarnings("unchecked")
    static List<ChatMessage> messages(Map<String, Object> fixtureCase) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Map<String, Object> message : (List<Map<String, Object>>) fixtureCase.get("messages")) {
            ChatRole role = ChatRole.valueOf(((String) message.get("role")).toUpperCase(Locale.ROOT));
            messages.add(new ChatMessage(role, (String) message.get("content")));
        }
        return messages;
    }
}
