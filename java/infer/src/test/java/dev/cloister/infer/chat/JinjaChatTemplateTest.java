package dev.cloister.infer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class JinjaChatTemplateTest {

    /** Conversation text that must never reach an exception message. */
    private static final String SECRET = "PRIVATE-7f3a9c";

    private static final List<ChatMessage> CONVERSATION =
            List.of(ChatMessage.system("Be brief. " + SECRET), ChatMessage.user("Hello " + SECRET));

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-12-31T23:59:00Z"), ZoneOffset.UTC);

    private static String render(String template) {
        return new JinjaChatTemplate(template, "<s>", "</s>", TemplateLimits.defaults(), CLOCK)
                .render(CONVERSATION, true);
    }

    private static ChatTemplateException refused(String template) {
        return refused(template, TemplateLimits.defaults());
    }

    private static ChatTemplateException refused(String template, TemplateLimits limits) {
        ChatTemplateException e = assertThrows(
                ChatTemplateException.class,
                () -> new JinjaChatTemplate(template, "<s>", "</s>", limits, CLOCK).render(CONVERSATION, true));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e;
    }

    private static TemplateLimits limits(long maxNodes, Duration maxTime) {
        TemplateLimits defaults = TemplateLimits.defaults();
        return new TemplateLimits(
                defaults.maxTemplateChars(),
                defaults.maxOutputChars(),
                maxNodes,
                maxTime,
                defaults.maxCollectionSize(),
                defaults.maxNesting());
    }

    @Test
    void variablesAreThoseHuggingFacePasses() {
        assertEquals(
                "<s>|</s>|2|system|True",
                render("{{ bos_token }}|{{ eos_token }}|{{ messages|length }}|{{ messages[0]['role'] }}|"
                        + "{% if add_generation_prompt %}True{% endif %}"));
    }

    @Test
    void absentSpecialTokensAreUndefined() {
        String prompt = new JinjaChatTemplate(
                        "{% if bos_token is defined %}B{% else %}-{% endif %}",
                        null, null, TemplateLimits.defaults(), CLOCK)
                .render(CONVERSATION, false);
        assertEquals("-", prompt);
    }

    @Test
    void contentIsNeverInterpretedAsTemplate() {
        List<ChatMessage> tricky = List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}"));
        String prompt = new JinjaChatTemplate("{{ messages[0].content }}", null, null).render(tricky, false);
        assertEquals("{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}", prompt);
    }

    @Test
    void strftimeNowReadsTheClock() {
        assertEquals(
                "31 Dec 2025, 23:59, Wednesday, December", render("{{ strftime_now('%d %b %Y, %H:%M, %A, %B') }}"));
        assertEquals("defined", render("{% if strftime_now is defined %}defined{% endif %}"));
    }

    @Test
    void stringMethodsFollowPython() {
        // @huggingface/jinja ignores strip's argument and strips all whitespace; Python (the models' reference) does
        // not.
        assertEquals(" x", render("{{ '\\n\\n x'.lstrip('\\n') }}"));
        assertEquals("hi", render("{{ 'xxhixx'.strip('x') }}"));
        assertEquals("a|b c", render("{{ 'a b c'.split(none, 1)|join('|') }}"));
        assertEquals("They'Re Bill'S", render("{{ \"they're bill's\".title() }}"));
        assertEquals("Hello world", render("{{ 'hELLO WORLD'.capitalize() }}"));
        assertEquals("yes", render("{% if 'abc'.startswith(('x', 'a')) %}yes{% endif %}"));
        assertEquals("a-b-cXd", render("{{ 'aXbXcXd'.replace('X', '-', 2) }}"));
        assertEquals("x", render("{{ '\u3000x\u00a0\u2009'|trim }}"));
        assertEquals("🎉", render("{{ 'a🎉'[-1] }}"));
        assertEquals("3", render("{{ 'a🎉b'|length }}"));
        assertEquals("a, b", render("{{ ', '.join(['a', 'b']) }}"));
        assertTrue(refused("{{ ' '.join(messages) }}").getMessage().contains("join()"));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        assertEquals(
                "{\"a\": [1, 2.5, null, true, \"é\\u0001\\n\"], \"n\": 1e+16, \"m\": 1e-05}",
                render("{{ {'a': [1, 2.5, none, true, 'é\u0001\n'], 'n': 1e16, 'm': 0.00001}|tojson }}"));
        assertEquals("[\n    1,\n    []\n]", render("{{ [1, []]|tojson(indent=4) }}"));
    }

    @Test
    void slicesFollowPython() {
        assertEquals(
                "user,system|user|system,user|",
                render("{{ (messages[::-1]|map(attribute='role'))|join(',') }}|{{ messages[1:][0].role }}|"
                        + "{{ (messages[-5:5]|map(attribute='role'))|join(',') }}|{{ messages[1:0]|join(',') }}"));
        assertTrue(refused("{{ messages[::0] }}").getMessage().contains("slice step"));
    }

    @Test
    void raiseExceptionShowsLiteralTemplateTextOnly() {
        assertEquals(
                "the template raised an exception: Conversation roles must alternate user/assistant/user/assistant/...",
                refused("{% if messages|length > 1 %}"
                                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                                + "{% endif %}")
                        .getMessage());
        assertTrue(refused("{{ raise_exception('Bad message: ' + messages[1].content) }}")
                .getMessage()
                .contains("not literal template text"));
    }

    @Test
    void javaMethodsAndGettersAreOutOfReach() {
        assertTrue(refused("{{ messages[0].content.getBytes() }}").getMessage().contains("getBytes"));
        assertTrue(refused("{{ ''.getClass() }}").getMessage().contains("getClass"));
        assertTrue(refused("{{ messages.getClass() }}").getMessage().contains("getClass"));
        assertTrue(refused("{{ messages[0].getClass() }}").getMessage().contains("getClass"));
        assertTrue(refused("{% do messages.append(1) %}").getMessage().contains("append"));
        assertEquals("[]", render("[{{ messages[0].content.bytes }}]"));
    }

    @Test
    void otherTemplatesAndJinjavaExtrasAreDisabled() {
        for (String template : List.of(
                "{% include 'x.jinja' %}",
                "{% import 'x.jinja' as x %}",
                "{% extends 'x.jinja' %}",
                "{% from 'x.jinja' import y %}",
                "{{ 'x'|render }}",
                "{{ today() }}",
                "{{ 'x'|random }}")) {
            assertThrows(
                    ChatTemplateException.class,
                    () -> new JinjaChatTemplate(template, null, null).render(CONVERSATION, true),
                    template);
        }
    }

    @Test
    void syntaxErrorsAreRefusedWhenTheTemplateIsBuilt() {
        for (String template : List.of("{% if %}", "{% if true %}", "{% endfor %}")) {
            ChatTemplateException e = assertThrows(
                    ChatTemplateException.class, () -> new JinjaChatTemplate(template, null, null), template);
            assertTrue(e.getMessage().startsWith("chat template failed"), e.getMessage());
        }
        // Jinjava parses expressions and checks a tag's arguments when it renders them.
        assertTrue(refused("{% for %}{% endfor %}").getMessage().startsWith("chat template failed"));
        assertTrue(refused("{{ a b }}").getMessage().startsWith("chat template failed"));
    }

    @Test
    void aTemplateTooLongIsRefused() {
        TemplateLimits small = new TemplateLimits(16, 1024, 1000, Duration.ofSeconds(5), 100, 8);
        ChatTemplateException e = assertThrows(
                ChatTemplateException.class, () -> new JinjaChatTemplate("x".repeat(17), null, null, small, CLOCK));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void outputIsBounded() {
        TemplateLimits small = new TemplateLimits(1024, 1000, 100_000, Duration.ofSeconds(5), 10_000, 8);
        refused("{% for i in range(1000) %}{{ messages[1].content }}{% endfor %}", small);
        refused(
                "{% set s = messages[1].content %}{% for i in range(20) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
                small);
        refused(
                "{% set s = messages[1].content.replace('', messages[1].content) %}{{ s.replace('', s)|length }}",
                small);
    }

    /**
     * A filter applied to its own output grows it geometrically within one expression, a single node: every filter that
     * can make a string longer than its input refuses a result past maxOutputChars itself, before building it whole.
     * (The first of these, {@code tojson} chained, was a slow unit of JinjaChatTemplateFuzzTest: a render of 56 s that
     * built 2 GiB strings.)
     */
    @Test
    void filtersThatGrowAStringAreBounded() {
        TemplateLimits small = new TemplateLimits(4096, 1000, 100_000, Duration.ofSeconds(5), 1000, 8);
        List<String> templates = List.of(
                "{{ messages[1].content" + "|tojson".repeat(60) + " }}",
                "{{ messages[1].content" + "|tojson(indent=2)".repeat(60) + " }}",
                "{{ messages" + "|tojson".repeat(60) + " }}",
                "{% set s = messages[1].content %}{{ s" + "|replace('l', s)".repeat(30) + " }}",
                "{{ 'x'|center(2000000000) }}",
                "{{ '%2000000000s'|format('x') }}",
                "{{ [1]|batch(2000000000, 'x')|list }}",
                "{{ [1]|slice(2000000000, 'x')|list }}",
                "{{ 'x\ny'|indent(2000000000) }}",
                "{{ 'x\ny'|indent(2000000000, true) }}",
                "{{ 'x\ny\nz\nw'|indent(400) }}");
        for (String template : templates) {
            ChatTemplateException e = assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertThrows(
                            ChatTemplateException.class,
                            () -> new JinjaChatTemplate(template, "<s>", "</s>", small, CLOCK)
                                    .render(CONVERSATION, true),
                            template),
                    template);
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        }
        // Within the bounds they are Jinja's filters still.
        assertEquals(
                "[  x  |  x|2|2]",
                render("[{{ 'x'|center(5) }}|{{ '%3s'|format('x') }}|"
                        + "{{ [1, 2, 3]|batch(2)|list|length }}|{{ [1, 2, 3]|slice(2)|list|length }}]"));
    }

    @Test
    void workIsBoundedByNodes() {
        ChatTemplateException e = refused(
                "{% for i in range(1000) %}{% for j in range(1000) %}{{ i }}{% endfor %}{% endfor %}",
                limits(10_000, Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("nodes"), e.getMessage());
    }

    @Test
    void workIsBoundedByTime() {
        ChatTemplateException e = refused(
                "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
                        + "{% endfor %}{% endfor %}{% endfor %}",
                limits(Long.MAX_VALUE, Duration.ofMillis(50)));
        assertTrue(e.getMessage().contains("longer than 50 ms"), e.getMessage());
    }

    @Test
    void collectionsAreBounded() {
        assertTrue(refused("{{ range(10001)|length }}").getMessage().contains("range()"));
        assertEquals("10000", render("{{ range(10000)|length }}"));
        TemplateLimits two = new TemplateLimits(1024, 1000, 1000, Duration.ofSeconds(5), 2, 8);
        assertTrue(refused("{{ 'a,b,c'.split(',')|length }}", two).getMessage().contains("split()"));
        assertTrue(refused("{{ range(3)|length }}", two).getMessage().contains("range()"));
    }

    @Test
    void recursionIsRefused() {
        refused("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}");
        refused("{{ messages|tojson(indent=65) }}");
    }

    @Test
    void exceptionsNeverQuoteTheConversation() {
        for (String template : List.of(
                "{{ messages[1].content.nope() }}",
                "{{ messages[1].content|tojson(indent=messages[1].content) }}",
                "{{ messages[1].content|int + messages[1] }}",
                "{{ range(messages[1].content) }}",
                "{{ messages[1].content.split(messages[1].content, messages[1].content) }}",
                "{{ messages[1].content[messages[1].content:] }}")) {
            refused(template);
        }
    }
}
