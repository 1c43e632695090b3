package dev.cloister.infer.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face {@code tokenizer.json} (byte-level BPE: Llama 3, Qwen, SmolLM, GPT-2), with its optional {@code
 * tokenizer_config.json}, turned into the GGUF {@code tokenizer.ggml.*} metadata llama.cpp's {@code convert_hf_to_gguf.py}
 * would write for it: model {@code gpt2}; tokens by id, gaps filled with {@code [PAD<id>]}; token types (added tokens
 * marked special, or that look special ({@code <|...|>}), are control tokens, other added tokens user-defined, the rest
 * normal); merges as {@code "left right"}; {@code pre} recognised from the pre-tokenizer; BOS, EOS, padding and unknown
 * ids and {@code add_bos_token}/{@code add_eos_token} from the config; the end-of-turn id found as llama.cpp would find
 * it; {@code tokenizer.chat_template}. The result goes to {@link dev.cloister.infer.model.GgufFile#of}.
 *
 * <p>Parsed with a streaming reader under bounds: {@link #MAX_FILE_BYTES} per file, nesting, string lengths, token and
 * merge counts; anything outside them, malformed or inconsistent is a {@link ModelFormatException}.
 */
public final class HuggingFaceTokenizerFile {

    /** Largest file read (Qwen's tokenizer.json is 11 MB). */
    public static final int MAX_FILE_BYTES = 64 << 20;

    private static final int MAX_STRING_CHARS = 1 << 20;
    private static final int MAX_DEPTH = 32;
    private static final int MAX_PRE_TOKENIZER_STEPS = 16;

    /** The Split expressions of the pre-tokenizers llama.cpp names, as tokenizer.json spells them. */
    private static final String LLAMA3_SPLIT =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final String QWEN2_SPLIT =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_STRING_CHARS)
                    .maxNumberLength(32)
                    .build())
            .build();

    private HuggingFaceTokenizerFile() {}

    /** One step of the pre-tokenizer, as far as recognising it needs. */
    private record PreStep(String type, String split, boolean individualDigits, boolean useRegex) {}

    /** An entry of {@code added_tokens}. */
    private record AddedToken(int id, String content, boolean special) {}

    /** What tokenizer.json holds that the metadata needs. */
    private static final class Contents {
        final Map<String, Integer> vocab = new HashMap<>();
        final List<String> merges = new ArrayList<>();
        final List<AddedToken> added = new ArrayList<>();
        final List<PreStep> pre = new ArrayList<>();
        String modelType;
    }

    /** What tokenizer_config.json holds that the metadata needs. */
    private record Config(
            Optional<String> bos,
            Optional<String> eos,
            Optional<String> pad,
            Optional<String> unknown,
            Optional<Boolean> addBos,
            Optional<Boolean> addEos,
            Optional<String> chatTemplate) {
        static final Config NONE = new Config(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /** Reads the files (the config is optional) and gives the GGUF metadata. */
    public static Map<String, GgufValue> ggufMetadata(Path tokenizerJson, Optional<Path> tokenizerConfig) {
        byte[] tokenizer = readBounded(tokenizerJson);
        byte[] config =
                tokenizerConfig.map(HuggingFaceTokenizerFile::readBounded).orElse(null);
        return ggufMetadata(tokenizer, config, 0);
    }

    /**
     * The GGUF metadata of a tokenizer.json and an optional tokenizer_config.json ({@code null}).
     *
     * @param vocabularySize the model's vocabulary size (its embedding rows) when larger than the tokenizer's, as
     *     {@code config.json}'s {@code vocab_size} gives it; 0 for the tokenizer's own
     */
    public static Map<String, GgufValue> ggufMetadata(
            byte[] tokenizerJson, byte[] tokenizerConfig, int vocabularySize) {
        if (tokenizerJson.length > MAX_FILE_BYTES
                || (tokenizerConfig != null && tokenizerConfig.length > MAX_FILE_BYTES)) {
            throw new ModelFormatException("tokenizer.json: a file larger than " + MAX_FILE_BYTES + " bytes");
        }
        Contents contents = parseTokenizer(tokenizerJson);
        Config config = tokenizerConfig == null ? Config.NONE : parseConfig(tokenizerConfig);
        return metadata(contents, config, vocabularySize);
    }

    private static byte[] readBounded(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ModelFormatException(file.getFileName() + ": larger than " + MAX_FILE_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    // ---- tokenizer.json

    private static Contents parseTokenizer(byte[] json) {
        Contents contents = new Contents();
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the document");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "model" -> parseModel(p, value, contents);
                    case "added_tokens" -> parseAddedTokens(p, value, contents);
                    case "pre_tokenizer" -> parsePreTokenizer(p, value, contents, 0);
                    default -> p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (IOException e) {
            throw new ModelFormatException("tokenizer.json: not valid JSON within bounds ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (!"BPE".equals(contents.modelType)) {
            throw new ModelFormatException("tokenizer.json: model type " + quoted(contents.modelType) + ", not BPE");
        }
        return contents;
    }

    private static void parseModel(JsonParser p, JsonToken start, Contents contents) throws IOException {
        expect(start, JsonToken.START_OBJECT, "model");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "type" -> contents.modelType = text(p, value, "model.type");
                case "vocab" -> {
                    expect(value, JsonToken.START_OBJECT, "model.vocab");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String token = p.currentName();
                        int id = tokenId(p, p.nextToken(), "model.vocab");
                        if (contents.vocab.size() >= Vocabulary.MAX_TOKENS) {
                            throw new ModelFormatException(
                                    "tokenizer.json: more than " + Vocabulary.MAX_TOKENS + " tokens");
                        }
                        contents.vocab.put(token, id);
                    }
                }
                case "merges" -> {
                    expect(value, JsonToken.START_ARRAY, "model.merges");
                    JsonToken merge;
                    while ((merge = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (contents.merges.size() >= ByteLevelBpeTokenizer.MAX_MERGES) {
                            throw new ModelFormatException(
                                    "tokenizer.json: more than " + ByteLevelBpeTokenizer.MAX_MERGES + " merges");
                        }
                        if (merge == JsonToken.VALUE_STRING) {
                            contents.merges.add(p.getText());
                        } else {
                            // newer files: ["left", "right"]
                            expect(merge, JsonToken.START_ARRAY, "a merge");
                            String left = text(p, p.nextToken(), "a merge");
                            String right = text(p, p.nextToken(), "a merge");
                            expect(p.nextToken(), JsonToken.END_ARRAY, "a merge of two symbols");
                            contents.merges.add(left + " " + right);
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void parseAddedTokens(JsonParser p, JsonToken start, Contents contents) throws IOException {
        expect(start, JsonToken.START_ARRAY, "added_tokens");
        JsonToken entry;
        while ((entry = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(entry, JsonToken.START_OBJECT, "an added token");
            int id = -1;
            String content = null;
            boolean special = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = tokenId(p, value, "added_tokens.id");
                    case "content" -> content = text(p, value, "added_tokens.content");
                    case "special" -> special = bool(value, "added_tokens.special");
                    default -> p.skipChildren();
                }
            }
            if (id < 0 || content == null || content.isEmpty()) {
                throw new ModelFormatException("tokenizer.json: an added token without an id or content");
            }
            if (contents.added.size() >= Vocabulary.MAX_TOKENS) {
                throw new ModelFormatException("tokenizer.json: more than " + Vocabulary.MAX_TOKENS + " added tokens");
            }
            contents.added.add(new AddedToken(id, content, special));
        }
    }

    private static void parsePreTokenizer(JsonParser p, JsonToken start, Contents contents, int depth)
            throws IOException {
        if (start == JsonToken.VALUE_NULL) {
            return;
        }
        expect(start, JsonToken.START_OBJECT, "pre_tokenizer");
        String type = null;
        String split = null;
        boolean individualDigits = false;
        boolean useRegex = true;
        List<PreStep> nested = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "type" -> type = text(p, value, "pre_tokenizer.type");
                case "pattern" -> {
                    expect(value, JsonToken.START_OBJECT, "pre_tokenizer.pattern");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String kind = p.currentName();
                        String pattern = text(p, p.nextToken(), "pre_tokenizer.pattern");
                        split = kind + ":" + pattern;
                    }
                }
                case "individual_digits" -> individualDigits = bool(value, "pre_tokenizer.individual_digits");
                case "use_regex" -> useRegex = bool(value, "pre_tokenizer.use_regex");
                case "pretokenizers" -> {
                    expect(value, JsonToken.START_ARRAY, "pre_tokenizer.pretokenizers");
                    if (depth > 0) {
                        throw new ModelFormatException("tokenizer.json: nested pre-tokenizer sequences");
                    }
                    Contents inner = new Contents();
                    JsonToken step;
                    while ((step = p.nextToken()) != JsonToken.END_ARRAY) {
                        parsePreTokenizer(p, step, inner, depth + 1);
                        if (inner.pre.size() > MAX_PRE_TOKENIZER_STEPS) {
                            throw new ModelFormatException("tokenizer.json: too many pre-tokenizer steps");
                        }
                    }
                    nested.addAll(inner.pre);
                }
                default -> p.skipChildren();
            }
        }
        if ("Sequence".equals(type)) {
            contents.pre.addAll(nested);
        } else {
            contents.pre.add(new PreStep(type, split, individualDigits, useRegex));
        }
    }

    /** The {@code tokenizer.ggml.pre} name of the pre-tokenizer, if it is one llama.cpp knows by these steps. */
    private static String preName(List<PreStep> steps) {
        if (steps.size() == 2
                && "Split".equals(steps.get(0).type())
                && "ByteLevel".equals(steps.get(1).type())
                && !steps.get(1).useRegex()) {
            String split = steps.get(0).split();
            if (("Regex:" + LLAMA3_SPLIT).equals(split)) {
                return "llama-bpe";
            }
            if (("Regex:" + QWEN2_SPLIT).equals(split)) {
                return "qwen2";
            }
        }
        if (steps.size() == 2
                && "Digits".equals(steps.get(0).type())
                && steps.get(0).individualDigits()
                && "ByteLevel".equals(steps.get(1).type())
                && steps.get(1).useRegex()) {
            return "smollm";
        }
        if (steps.size() == 1
                && "ByteLevel".equals(steps.get(0).type())
                && steps.get(0).useRegex()) {
            return "gpt-2";
        }
        throw new ModelFormatException("tokenizer.json: a pre-tokenizer llama.cpp has no name for ("
                + steps.stream().map(PreStep::type).toList() + ")");
    }

    // ---- tokenizer_config.json

    private static Config parseConfig(byte[] json) {
        Optional<String> bos = Optional.empty();
        Optional<String> eos = Optional.empty();
        Optional<String> pad = Optional.empty();
        Optional<String> unknown = Optional.empty();
        Optional<Boolean> addBos = Optional.empty();
        Optional<Boolean> addEos = Optional.empty();
        Optional<String> template = Optional.empty();
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the config");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "bos_token" -> bos = specialToken(p, value, field);
                    case "eos_token" -> eos = specialToken(p, value, field);
                    case "pad_token" -> pad = specialToken(p, value, field);
                    case "unk_token" -> unknown = specialToken(p, value, field);
                    case "add_bos_token" -> addBos = Optional.of(bool(value, field));
                    case "add_eos_token" -> addEos = Optional.of(bool(value, field));
                    case "chat_template" -> template = chatTemplate(p, value);
                    default -> p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (IOException e) {
            throw new ModelFormatException("tokenizer_config.json: not valid JSON within bounds ("
                    + e.getClass().getSimpleName() + ")");
        }
        return new Config(bos, eos, pad, unknown, addBos, addEos, template);
    }

    /** A special token named as a string, as {@code {"content": ...}}, or null. */
    private static Optional<String> specialToken(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return Optional.empty();
        }
        if (value == JsonToken.VALUE_STRING) {
            return Optional.of(p.getText());
        }
        expect(value, JsonToken.START_OBJECT, field);
        String content = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken inner = p.nextToken();
            if (name.equals("content")) {
                content = text(p, inner, field + ".content");
            } else {
                p.skipChildren();
            }
        }
        if (content == null) {
            throw new ModelFormatException("tokenizer_config.json: '" + field + "' has no content");
        }
        return Optional.of(content);
    }

    /** The template: a string, or the one named "default" in a list of {@code {name, template}}. */
    private static Optional<String> chatTemplate(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return Optional.empty();
        }
        if (value == JsonToken.VALUE_STRING) {
            return Optional.of(p.getText());
        }
        expect(value, JsonToken.START_ARRAY, "chat_template");
        Optional<String> chosen = Optional.empty();
        JsonToken entry;
        while ((entry = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(entry, JsonToken.START_OBJECT, "a chat template");
            String name = null;
            String template = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken inner = p.nextToken();
                switch (field) {
                    case "name" -> name = text(p, inner, "chat_template.name");
                    case "template" -> template = text(p, inner, "chat_template.template");
                    default -> p.skipChildren();
                }
            }
            if ("default".equals(name) && template != null) {
                chosen = Optional.of(template);
            }
        }
        return chosen;
    }

    // ---- the metadata

    private static Map<String, GgufValue> metadata(Contents contents, Config config, int vocabularySize) {
        int size = vocabularySize;
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, AddedToken> addedById = new HashMap<>();
        for (Map.Entry<String, Integer> entry : contents.vocab.entrySet()) {
            if (byId.putIfAbsent(entry.getValue(), entry.getKey()) != null) {
                throw new ModelFormatException("tokenizer.json: two tokens have id " + entry.getValue());
            }
            size = Math.max(size, entry.getValue() + 1);
        }
        for (AddedToken added : contents.added) {
            String earlier = byId.putIfAbsent(added.id(), added.content());
            if ((earlier != null && !earlier.equals(added.content())) || addedById.put(added.id(), added) != null) {
                throw new ModelFormatException("tokenizer.json: two tokens have id " + added.id());
            }
            size = Math.max(size, added.id() + 1);
        }
        if (size == 0 || size > Vocabulary.MAX_TOKENS) {
            throw new ModelFormatException("tokenizer.json: " + size + " tokens (1.." + Vocabulary.MAX_TOKENS + ")");
        }
        List<GgufValue> tokens = new ArrayList<>(size);
        List<GgufValue> types = new ArrayList<>(size);
        Map<String, Integer> idOf = new HashMap<>();
        for (int id = 0; id < size; id++) {
            String text = byId.get(id);
            TokenType type;
            if (text == null) {
                text = "[PAD" + id + "]";
                type = TokenType.USER_DEFINED;
            } else if (addedById.containsKey(id)) {
                AddedToken added = addedById.get(id);
                if (added.special() || looksSpecial(text)) {
                    type = TokenType.CONTROL;
                } else {
                    text = text.replace("\u2581", " ");
                    type = TokenType.USER_DEFINED;
                }
            } else {
                type = TokenType.NORMAL;
            }
            if (idOf.putIfAbsent(text, id) != null) {
                throw new ModelFormatException("tokenizer.json: token " + id + " repeats an earlier token's text");
            }
            tokens.add(GgufValue.Text.of(text));
            types.add(new GgufValue.Whole(GgufType.INT32, type.code()));
        }
        List<GgufValue> merges = new ArrayList<>(contents.merges.size());
        for (String merge : contents.merges) {
            merges.add(GgufValue.Text.of(merge));
        }

        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(GgufVocabulary.MODEL, GgufValue.Text.of(GgufVocabulary.BYTE_LEVEL_BPE));
        m.put(GgufVocabulary.PRE, GgufValue.Text.of(preName(contents.pre)));
        m.put(GgufVocabulary.TOKENS, new GgufValue.Array(GgufType.STRING, tokens));
        m.put(GgufVocabulary.TOKEN_TYPES, new GgufValue.Array(GgufType.INT32, types));
        m.put(GgufVocabulary.MERGES, new GgufValue.Array(GgufType.STRING, merges));
        putId(m, GgufVocabulary.BOS, config.bos(), idOf, "bos_token");
        putId(m, GgufVocabulary.EOS, config.eos(), idOf, "eos_token");
        putId(m, GgufVocabulary.UNKNOWN, config.unknown(), idOf, "unk_token");
        putId(m, GgufVocabulary.PADDING, config.pad(), idOf, "pad_token");
        for (String text : GgufBpeVocabulary.END_OF_TURN_TEXTS) {
            Integer eot = idOf.get(text);
            if (eot != null) {
                m.put(GgufVocabulary.EOT, new GgufValue.Whole(GgufType.UINT32, eot));
                break;
            }
        }
        config.addBos().ifPresent(add -> m.put(GgufVocabulary.ADD_BOS, new GgufValue.Bool(add)));
        config.addEos().ifPresent(add -> m.put(GgufVocabulary.ADD_EOS, new GgufValue.Bool(add)));
        config.chatTemplate().ifPresent(template -> m.put(GgufVocabulary.CHAT_TEMPLATE, GgufValue.Text.of(template)));
        return m;
    }

    /** convert_hf_to_gguf.py's test for added tokens that ought to be control tokens. */
    private static boolean looksSpecial(String text) {
        return text.equals("<pad>")
                || text.equals("<mask>")
                || text.equals("<2mass>")
                || text.equals("[@BOS@]")
                || (text.startsWith("<|") && text.endsWith("|>"))
                || (text.startsWith("<\uFF5C") && text.endsWith("\uFF5C>"))
                || (text.startsWith("<unused") && text.endsWith(">"));
    }

    private static void putId(
            Map<String, GgufValue> m, String key, Optional<String> text, Map<String, Integer> idOf, String field) {
        if (text.isEmpty()) {
            return;
        }
        Integer id = idOf.get(text.get());
        if (id == null) {
            throw new ModelFormatException("tokenizer_config.json: '" + field + "' is not a token of the vocabulary");
        }
        m.put(key, new GgufValue.Whole(GgufType.UINT32, id));
    }

    // ---- reading helpers

    private static void expect(JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new ModelFormatException("tokenizer JSON: " + what + " is " + actual + ", not " + expected);
        }
    }

    private static void expectEnd(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new ModelFormatException("tokenizer JSON: trailing content after the document");
        }
    }

    private static String text(JsonParser p, JsonToken value, String what) throws IOException {
        expect(value, JsonToken.VALUE_STRING, what);
        return p.getText();
    }

    private static boolean bool(JsonToken value, String what) {
        if (value == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (value == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw new ModelFormatException("tokenizer JSON: " + what + " is " + value + ", not a boolean");
    }

    private static int tokenId(JsonParser p, JsonToken value, String what) throws IOException {
        expect(value, JsonToken.VALUE_NUMBER_INT, what);
        long id = p.getLongValue();
        if (id < 0 || id >= Vocabulary.MAX_TOKENS) {
            throw new ModelFormatException(
                    "tokenizer JSON: " + what + " " + id + " outside [0, " + Vocabulary.MAX_TOKENS + ")");
        }
        return (int) id;
    }

    private static String quoted(String value) {
        return value == null ? "(none)" : "'" + value.substring(0, Math.min(value.length(), 40)) + "'";
    }
}
