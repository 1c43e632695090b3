package dev.cloister.infer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test oracle: run.c's encoder transcribed literally (rescan every adjacent pair after each merge, quadratic), to
 * check the priority-queue merge of {@link Tokenizer} against.
 */
final class RunCStyleEncoder {

    private final Vocabulary vocabulary;
    private final Map<String, Integer> ids = new HashMap<>();

    RunCStyleEncoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        for (int id = 0; id < vocabulary.size(); id++) {
            TokenType type = vocabulary.type(id);
            if (type == TokenType.NORMAL || type == TokenType.USER_DEFINED) {
                ids.putIfAbsent(latin1(vocabulary.piece(id)), id);
            }
        }
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private int byteToken(int value) {
        String spelled = String.format("<0x%02X>", value);
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.type(id) == TokenType.BYTE
                    && latin1(vocabulary.piece(id)).equals(spelled)) {
                return id;
            }
        }
        throw new IllegalStateException("no byte token");
    }

    int[] encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        List<Integer> tokens = new ArrayList<>();
        if (utf8.length > 0) {
            Integer space = ids.get(" ");
            tokens.add(space != null ? space : byteToken(' '));
        }
        for (int start = 0; start < utf8.length; ) {
            int end = start + 1;
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - start < 4) {
                end++;
            }
            Integer id = ids.get(new String(utf8, start, end - start, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens.add(id);
            } else {
                for (int i = start; i < end; i++) {
                    tokens.add(byteToken(utf8[i] & 0xFF));
                }
            }
            start = end;
        }
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i + 1 < tokens.size(); i++) {
                String joined = latin1(vocabulary.piece(tokens.get(i))) + latin1(vocabulary.piece(tokens.get(i + 1)));
                Integer id = ids.get(joined);
                if (id != null && vocabulary.score(id) > bestScore) {
                    bestScore = vocabulary.score(id);
                    bestId = id;
                    bestIndex = i;
                }
            }
            if (bestIndex < 0) {
                break;
            }
            tokens.set(bestIndex, bestId);
            tokens.remove(bestIndex + 1);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }
}
