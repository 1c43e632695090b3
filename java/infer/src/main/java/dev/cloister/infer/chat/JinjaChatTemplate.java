package dev.cloister.infer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.AutoCloseableSupplier.AutoCloseableImpl;
import com.hubspot.jinjava.interpret.Context.Library;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.Importable;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model's own chat template ({@code tokenizer.chat_template}, Hugging Face's Jinja dialect) rendered with Jinjava
 * as {@code transformers}' {@code apply_chat_template} renders it: {@code trim_blocks} and {@code lstrip_blocks} on,
 * the final newline of the template dropped, and the variables {@code messages} (a list of {@code {role, content}}),
 * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}, plus {@code raise_exception},
 * {@code strftime_now} and Hugging Face's {@code tojson}.
 *
 * <p>The template comes from a model file, so it is not trusted: it reaches no Java method of the values it gets
 * ({@link SandboxedResolver}), cannot include, import or extend other templates, and its size, output, node count,
 * time and collections are bounded by {@link TemplateLimits}. Every failure and every bound passed is a
 * {@link ChatTemplateException} whose message names the reason and never quotes the conversation.
 *
 * <p>Checked against {@code @huggingface/jinja} on the Llama 3/3.1/3.2 and Qwen 2.5/3 templates and on one-feature
 * templates ({@code testdata/vectors/chat-templates}). Where that renderer and Python's Jinja differ, this follows
 * Python: {@code str.strip/lstrip/rstrip(chars)} and {@code trim} strip Python's whitespace or the given characters.
 * Known differences from Python's Jinja, none used by those templates: backslash-u escapes in string literals and
 * <code>{}}</code> inside an expression are syntax errors; booleans, none and lists print as Jinjava prints them
 * ({@code true}, empty, {@code [1, 'a', null]}); {@code str + int} concatenates instead of failing.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    /** The Jinja tags HF templates may use; {@code include}, {@code import}, {@code extends}... are disabled. */
    private static final Set<String> TAGS = Set.of(
            "if",
            "elif",
            "else",
            "endif",
            "for",
            "endfor",
            "break",
            "continue",
            "set",
            "endset",
            "macro",
            "endmacro",
            "call",
            "endcall",
            "raw",
            "endraw",
            "do",
            "enddo",
            "autoescape",
            "endautoescape");

    /** Jinja's built-in filters that Jinjava has, less {@code random}, {@code pprint} and friends. */
    private static final Set<String> FILTERS = Set.of(
            "abs",
            "attr",
            "batch",
            "capitalize",
            "center",
            "count",
            "d",
            "default",
            "dictsort",
            "e",
            "escape",
            "first",
            "float",
            "forceescape",
            "format",
            "groupby",
            "indent",
            "int",
            "join",
            "last",
            "length",
            "list",
            "lower",
            "map",
            "max",
            "min",
            "reject",
            "rejectattr",
            "replace",
            "reverse",
            "round",
            "safe",
            "select",
            "selectattr",
            "slice",
            "sort",
            "string",
            "striptags",
            "sum",
            "title",
            "tojson",
            "trim",
            "truncate",
            "unique",
            "upper",
            "wordcount",
            "wordwrap",
            "items");

    /** Jinja's built-in tests. */
    private static final Set<String> TESTS = Set.of(
            "boolean",
            "defined",
            "divisibleby",
            "eq",
            "equalto",
            "escaped",
            "even",
            "false",
            "float",
            "ge",
            "gt",
            "greaterthan",
            "in",
            "integer",
            "truthy",
            "iterable",
            "le",
            "lower",
            "lessthan",
            "lt",
            "mapping",
            "ne",
            "none",
            "number",
            "odd",
            "sameas",
            "sequence",
            "string",
            "true",
            "undefined",
            "upper",
            "==",
            "!=",
            ">",
            ">=",
            "<",
            "<=");

    /** Jinja's global functions that Jinjava has, and Hugging Face's. */
    private static final Set<String> FUNCTIONS = Set.of(":range", ":namespace", ":raise_exception", ":strftime_now");

    /**
     * Jinjava's fixes towards Jinja's behaviour, all but {@code whitespaceRequiredWithinTokens} (which would read
     * <code>{%-</code> as text): <code>{{-</code> and <code>-}}</code> trim, Python's operator precedence and
     * printing, string escapes.
     */
    private static final LegacyOverrides JINJA_SEMANTICS = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseSnakeCasePropertyNaming(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .build();

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final TemplateLimits limits;
    private final Clock clock;
    private final Jinjava jinjava;

    /**
     * @param template the template text, as {@code tokenizer.chat_template} holds it
     * @param bosToken the text of the beginning-of-sequence token, or {@code null} when the model has none
     * @param eosToken the text of the end-of-sequence token, or {@code null} when the model has none
     * @param clock what {@code strftime_now} reads
     * @throws ChatTemplateException when the template is longer than the limits allow or does not parse
     */
    public JinjaChatTemplate(String template, String bosToken, String eosToken, TemplateLimits limits, Clock clock) {
        Objects.requireNonNull(template, "template");
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (template.length() > limits.maxTemplateChars()) {
            throw new ChatTemplateException("chat template of " + template.length()
                    + " characters exceeds the limit of " + limits.maxTemplateChars());
        }
        // Jinja (keep_trailing_newline off) drops one newline at the end of the template text.
        this.template = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        this.jinjava = newJinjava(limits);
        // Syntax errors show now, not at the first request.
        JinjavaInterpreter parser = jinjava.newInterpreter();
        try (AutoCloseableImpl<JinjavaInterpreter> current =
                JinjavaInterpreter.closeablePushCurrent(parser).get()) {
            current.value().parse(this.template);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(
                    "chat template does not parse: " + e.getClass().getSimpleName());
        }
        if (!parser.getErrors().isEmpty()) throw failure(parser.getErrors().getFirst());
    }

    /** The template with the default limits and a UTC clock for {@code strftime_now}. */
    public JinjaChatTemplate(String template, String bosToken, String eosToken) {
        this(template, bosToken, eosToken, TemplateLimits.defaults(), Clock.systemUTC());
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        List<Map<String, Object>> conversation = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", message.role().wireName());
            entry.put("content", message.content());
            conversation.add(entry);
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", conversation);
        variables.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) variables.put("bos_token", bosToken);
        if (eosToken != null) variables.put("eos_token", eosToken);
        variables.put("raise_exception", new TemplateGlobals.Callable("raise_exception"));
        variables.put("strftime_now", new TemplateGlobals.Callable("strftime_now"));

        RenderState state = RenderState.begin(limits, clock, template);
        RenderResult result;
        try {
            result = jinjava.renderForResult(template, variables);
        } catch (RuntimeException | StackOverflowError e) {
            // Jinjava reports failures as errors; anything thrown past it is a failure too, its message unread.
            throw new ChatTemplateException(
                    state.refusal() != null
                            ? state.refusal().getMessage()
                            : "chat template failed: " + e.getClass().getSimpleName());
        } finally {
            state.end();
        }
        if (state.refusal() != null)
            throw new ChatTemplateException(state.refusal().getMessage());
        // Jinjava reports what Jinja would raise (recursion, bad arguments...) as errors and renders on; the real
        // templates render without any, so any error at all refuses the render.
        if (!result.getErrors().isEmpty()) throw failure(result.getErrors().getFirst());
        String prompt = result.getOutput();
        if (prompt.length() > limits.maxOutputChars()) {
            throw new ChatTemplateException("chat template output exceeds " + limits.maxOutputChars() + " characters");
        }
        return prompt;
    }

    /** Jinjava's messages may quote values; the exception names only the kind of error and the line. */
    private static ChatTemplateException failure(TemplateError error) {
        return new ChatTemplateException("chat template failed: " + error.getReason() + " (" + error.getItem()
                + ") at line " + error.getLineno());
    }

    private static Jinjava newJinjava(TemplateLimits limits) {
        int collections = limits.maxCollectionSize();
        JinjavaConfig.Builder config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true) // Jinjava would strip the output's; Jinja drops the template's
                .withLegacyOverrides(JINJA_SEMANTICS)
                .withNestedInterpretationEnabled(false)
                .withEnableRecursiveMacroCalls(false)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxStringLength(limits.maxOutputChars())
                .withMaxListSize(collections)
                .withMaxMapSize(collections)
                .withRangeLimit(collections)
                .withMaxRenderDepth(1)
                .withElResolver(new SandboxedResolver())
                .withProcessors(JinjavaProcessors.newBuilder()
                        .withNodePreProcessor(
                                (node, interpreter) -> RenderState.current().onNode())
                        .build());
        Jinjava jinjava =
                new JinjaExpressions(config.withDisabled(Disabled.NAMES).build());
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new ResourceNotFoundException("chat templates load no other templates");
        });
        for (ELFunctionDefinition function : TemplateGlobals.functions()) {
            jinjava.getGlobalContext().registerFunction(function);
        }
        for (Filter filter : TemplateGlobals.filters()) {
            jinjava.getGlobalContext().registerFilter(filter);
        }
        for (String name : TemplateGlobals.Sized.NAMES) {
            Filter builtIn = jinjava.getGlobalContext().getFilter(name);
            jinjava.getGlobalContext().registerFilter(new TemplateGlobals.Sized(builtIn));
        }
        return jinjava;
    }

    /** Jinjava's tags, filters, tests and functions outside the allowlists, found once. */
    private static final class Disabled {
        static final Map<Library, Set<String>> NAMES;

        static {
            Jinjava probe = new Jinjava();
            Map<Library, Set<String>> names = new HashMap<>();
            names.put(Library.TAG, notAllowed(probe.getGlobalContext().getAllTags(), TAGS));
            names.put(Library.FILTER, notAllowed(probe.getGlobalContext().getAllFilters(), FILTERS));
            names.put(Library.EXP_TEST, notAllowed(probe.getGlobalContext().getAllExpTests(), TESTS));
            names.put(Library.FUNCTION, notAllowed(probe.getGlobalContext().getAllFunctions(), FUNCTIONS));
            NAMES = Map.copyOf(names);
        }
    }

    private static Set<String> notAllowed(Collection<? extends Importable> all, Set<String> allowed) {
        Set<String> names = new HashSet<>();
        for (Importable each : all) {
            String name = each instanceof ELFunctionDefinition function ? function.getName() : each.getName();
            if (!allowed.contains(name)) names.add(name);
        }
        return Set.copyOf(names);
    }

    /** The text of the model's beginning-of-sequence token, as the template gets it; {@code null} when it has none. */
    public String bosToken() {
        return bosToken;
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate[" + template.length() + " chars]";
    }
}
