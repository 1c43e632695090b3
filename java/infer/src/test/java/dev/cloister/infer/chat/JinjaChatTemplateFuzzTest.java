package dev.cloister.infer.chat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

class JinjaChatTemplateFuzzTest {

    private static final TemplateLimits LIMITS =
            new TemplateLimits(16 * 1024, 100_000, 20_000, Duration.ofSeconds(1), 1000, 16);

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-09T08:30:00Z"), ZoneOffset.UTC);

    /** Pieces of the Jinja that chat templates are made of, for the fuzzer to put together with random text. */
    private static final String[] PIECES = {
        "{% for message in messages %}",
        "{% endfor %}",
        "{% if ",
        "{%- if ",
        " %}",
        " -%}",
        "{% elif ",
        "{% else %}",
        "{% endif %}",
        "{{ ",
        "{{- ",
        " }}",
        " -}}",
        "{% set ",
        "{% set ns = namespace(a=0, b=messages|length - 1) %}",
        "{% set ns.a = ns.a + 1 %}",
        "message['content']",
        "message.role",
        "messages[0]",
        "messages[1:]",
        "messages[::-1]",
        "messages[-1]",
        "loop.index0",
        "loop.last",
        "loop.first",
        "add_generation_prompt",
        "bos_token",
        "eos_token",
        "|trim",
        "|length",
        "|tojson",
        "|tojson(indent=2)",
        "|upper",
        "|join(', ')",
        ".strip()",
        ".lstrip('\\n')",
        ".split('</think>')",
        "[-1]",
        ".startswith('<')",
        ".endswith('>')",
        ".title()",
        ".replace('a', 'bb')",
        " is defined",
        " is not none",
        " is string",
        " in ",
        " and ",
        " or ",
        " not ",
        " + ",
        " ~ ",
        " == ",
        " != ",
        "'user'",
        "'system'",
        "\"\\n\"",
        "raise_exception('refused')",
        "strftime_now('%d %b %Y')",
        "range(3)",
        "range(100000)",
        "{% break %}",
        "{% continue %}",
        "{% macro m(x) %}",
        "{% endmacro %}",
        "m(1)",
        "{% for i in range(50) %}",
        "{#",
        "#}",
        "{% raw %}",
        "{% endraw %}",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "'",
        "\"",
        "\n",
        "  ",
    };

    /**
     * Any template text with any conversation renders within the bounds or is refused with ChatTemplateException,
     * whose message never carries the conversation; nothing else is thrown.
     */
    @FuzzTest
    void rendersOrRefuses(FuzzedDataProvider data) {
        List<ChatMessage> messages = new ArrayList<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            ChatRole role = data.pickValue(ChatRole.values());
            messages.add(new ChatMessage(role, "secret-" + i + "-" + data.consumeString(200)));
        }
        boolean addGenerationPrompt = data.consumeBoolean();
        StringBuilder template = new StringBuilder();
        int pieces = data.consumeInt(0, 60);
        for (int i = 0; i < pieces && data.remainingBytes() > 0; i++) {
            template.append(data.consumeBoolean() ? data.pickValue(PIECES) : data.consumeString(24));
        }
        template.append(data.consumeRemainingAsString());

        String prompt;
        try {
            prompt = new JinjaChatTemplate(template.toString(), "<s>", "</s>", LIMITS, CLOCK)
                    .render(messages, addGenerationPrompt);
        } catch (ChatTemplateException refused) {
            for (ChatMessage message : messages) {
                if (!template.toString().contains(message.content())) {
                    assertFalse(refused.getMessage().contains(message.content()), "an exception quotes a message");
                }
            }
            return;
        }
        assertTrue(prompt.length() <= LIMITS.maxOutputChars());
    }
}
