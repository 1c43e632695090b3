package dev.cloister.infer.chat;

import dev.cloister.infer.tokenizer.ByteLevelBpeTokenizer;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.SpecialTokens;
import dev.cloister.infer.tokenizer.TokenType;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation as the model's tokens: rendered by its chat template, where the control tokens the template writes
 * ({@code <|start_header_id|>}, {@code <|im_start|>}, {@code <|eot_id|>}, ...) become those tokens, and the same texts
 * inside a message stay text. A message can therefore never close its turn or open another role's.
 *
 * <p>How: before rendering, every control-token text in a message (and the two private-use characters used as marks)
 * is replaced by a mark {@code U+E000 <index> U+E001}; the rendered prompt is then cut at the marks, the template's
 * parts are tokenized with control tokens recognised, each marked text as plain text. (Tokens at the very edges of a
 * marked text may differ from a tokenization of the whole; the text is the same.) A template that writes the BOS text
 * gets the BOS token once, not twice. Prompt text is never logged nor put into exceptions.
 */
public final class ChatPrompt {

    private static final char OPEN = '\uE000';
    private static final char CLOSE = '\uE001';

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    /** Control-token texts by their first character, longest first. */
    private final Map<Character, List<String>> controls = new HashMap<>();

    public ChatPrompt(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
        Vocabulary v = tokenizer.vocabulary();
        for (int id = 0; id < v.size(); id++) {
            if (v.type(id) != TokenType.CONTROL) continue;
            String text = new String(v.piece(id), StandardCharsets.UTF_8);
            if (text.isEmpty()) continue;
            controls.computeIfAbsent(text.charAt(0), c -> new ArrayList<>()).add(text);
        }
        for (char c : new char[] {OPEN, CLOSE}) {
            controls.computeIfAbsent(c, k -> new ArrayList<>()).add(String.valueOf(c));
        }
        controls.values().forEach(list -> list.sort((a, b) -> b.length() - a.length()));
    }

    public ChatTemplate template() {
        return template;
    }

    /**
     * The prompt's tokens, framed as the model's vocabulary asks (BOS where it adds one).
     *
     * @throws ChatTemplateException when the template refuses the conversation
     */
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (template instanceof PlainChatTemplate) {
            // No template: the messages' text is the prompt, all of it plain text.
            String plain = template.render(messages, addGenerationPrompt);
            return tokenizer.encode(plain, Framing.BOS, SpecialTokens.AS_TEXT);
        }
        List<String> marked = new ArrayList<>();
        List<ChatMessage> neutral = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) neutral.add(new ChatMessage(m.role(), mark(m.content(), marked)));
        String rendered = template.render(neutral, addGenerationPrompt);
        List<int[]> parts = new ArrayList<>();
        int total = 0;
        int start = 0;
        while (start <= rendered.length()) {
            int open = rendered.indexOf(OPEN, start);
            int end = open < 0 ? rendered.length() : open;
            if (end > start) {
                int[] t = encodePart(rendered.substring(start, end), SpecialTokens.RECOGNISED, parts.isEmpty());
                parts.add(t);
                total += t.length;
            }
            if (open < 0) break;
            int close = rendered.indexOf(CLOSE, open);
            int index = close < 0 ? -1 : parseIndex(rendered, open + 1, close);
            if (index < 0 || index >= marked.size()) {
                // The template altered a mark (sliced or transformed the content): keep what it wrote, as text.
                int[] t = encodePart(String.valueOf(OPEN), SpecialTokens.AS_TEXT, parts.isEmpty());
                parts.add(t);
                total += t.length;
                start = open + 1;
                continue;
            }
            int[] t = encodePart(marked.get(index), SpecialTokens.AS_TEXT, parts.isEmpty());
            parts.add(t);
            total += t.length;
            start = close + 1;
        }
        int[] tokens = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, tokens, at, p.length);
            at += p.length;
            Arrays.fill(p, 0);
        }
        return withoutDoubleBos(tokens);
    }

    /** The first part gets the vocabulary's framing; a SentencePiece vocabulary adds its leading space to it alone. */
    private int[] encodePart(String text, SpecialTokens specials, boolean first) {
        if (first) return tokenizer.encode(text, Framing.BOS, specials);
        if (tokenizer instanceof ByteLevelBpeTokenizer) return tokenizer.encode(text, Framing.NONE, specials);
        // SentencePiece adds a dummy space at the start of every text it encodes: drop the one this part gained.
        int[] withSpace = tokenizer.encode(text, Framing.NONE, specials);
        int[] bare = tokenizer.encode("\u0000" + text, Framing.NONE, specials);
        return bare.length > 0 && withSpace.length > 0 ? dropLeading(bare, withSpace) : withSpace;
    }

    /**
     * The tokens of {@code text} without the dummy space, from the encoding of NUL + text: NUL is its own byte token
     * and nothing merges with it, so what follows it is the text as it would be mid-prompt.
     */
    private int[] dropLeading(int[] nulPrefixed, int[] fallback) {
        int[] nul = tokenizer.encode("\u0000", Framing.NONE, SpecialTokens.AS_TEXT);
        if (nulPrefixed.length < nul.length || !Arrays.equals(Arrays.copyOf(nulPrefixed, nul.length), nul)) {
            return fallback;
        }
        return Arrays.copyOfRange(nulPrefixed, nul.length, nulPrefixed.length);
    }

    private int[] withoutDoubleBos(int[] tokens) {
        int bos = tokenizer.vocabulary().bos();
        if (tokens.length >= 2 && tokens[0] == bos && tokens[1] == bos) {
            int[] once = Arrays.copyOfRange(tokens, 1, tokens.length);
            Arrays.fill(tokens, 0);
            return once;
        }
        return tokens;
    }

    private String mark(String content, List<String> marked) {
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < content.length(); i++) {
            List<String> candidates = controls.get(content.charAt(i));
            if (candidates == null) continue;
            for (String control : candidates) {
                if (content.startsWith(control, i)) {
                    if (out == null) out = new StringBuilder(content.length() + 16);
                    out.append(content, copied, i)
                            .append(OPEN)
                            .append(Integer.toHexString(marked.size()))
                            .append(CLOSE);
                    marked.add(control);
                    i += control.length() - 1;
                    copied = i + 1;
                    break;
                }
            }
        }
        if (out == null) return content;
        return out.append(content, copied, content.length()).toString();
    }

    private static int parseIndex(String s, int from, int to) {
        if (to <= from || to - from > 7) return -1;
        int value = 0;
        for (int i = from; i < to; i++) {
            int digit = Character.digit(s.charAt(i), 16);
            if (digit < 0) return -1;
            value = value * 16 + digit;
        }
        return value;
    }

    @Override
    public String toString() {
        return "ChatPrompt[" + template + "]";
    }
}
