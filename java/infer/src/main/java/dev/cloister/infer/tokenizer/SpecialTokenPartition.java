package dev.cloister.infer.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits a text at the special tokens written in it, before the text between them is tokenized (llama.cpp's
 * {@code tokenizer_st_partition}): control, user-defined and unknown tokens, longest text first (equal lengths: lower id
 * first); each one's occurrences are cut out of the text fragments left so far, leftmost first. Control and unknown
 * tokens take part only when {@link SpecialTokens#RECOGNISED}; user-defined ones always do.
 */
final class SpecialTokenPartition {

    /** A piece of the text: a special token ({@code token >= 0}) or the text bytes {@code [start, end)}. */
    record Fragment(int token, int start, int end) {
        static Fragment text(int start, int end) {
            return new Fragment(-1, start, end);
        }

        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocabulary;
    /** Special token ids, longest text first. */
    private final int[] specials;

    SpecialTokenPartition(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.specials = IntStream.range(0, vocabulary.size())
                .filter(id -> isSpecial(vocabulary.type(id)) && vocabulary.pieceUnsafe(id).length > 0)
                .boxed()
                .sorted(Comparator.<Integer>comparingInt(id -> -vocabulary.pieceUnsafe(id).length)
                        .thenComparingInt(id -> id))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static boolean isSpecial(TokenType type) {
        return type == TokenType.CONTROL || type == TokenType.USER_DEFINED || type == TokenType.UNKNOWN;
    }

    /** The fragments of {@code text} in order; an empty text has none. */
    List<Fragment> split(byte[] text, SpecialTokens mode) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.length == 0) {
            return fragments;
        }
        fragments.add(Fragment.text(0, text.length));
        for (int special : specials) {
            TokenType type = vocabulary.type(special);
            if (mode == SpecialTokens.AS_TEXT && type != TokenType.USER_DEFINED) {
                continue;
            }
            byte[] needle = vocabulary.pieceUnsafe(special);
            List<Fragment> next = null;
            for (int f = 0; f < fragments.size(); f++) {
                Fragment fragment = fragments.get(f);
                int at = fragment.isText() ? indexOf(text, needle, fragment.start(), fragment.end()) : -1;
                if (at < 0) {
                    if (next != null) {
                        next.add(fragment);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(fragments.subList(0, f));
                }
                int start = fragment.start();
                while (at >= 0) {
                    if (at > start) {
                        next.add(Fragment.text(start, at));
                    }
                    next.add(new Fragment(special, at, at + needle.length));
                    start = at + needle.length;
                    at = indexOf(text, needle, start, fragment.end());
                }
                if (start < fragment.end()) {
                    next.add(Fragment.text(start, fragment.end()));
                }
            }
            if (next != null) {
                fragments = next;
            }
        }
        return fragments;
    }

    /** The first index in {@code [from, to)} where {@code needle} starts and ends within the range, or -1. */
    private static int indexOf(byte[] text, byte[] needle, int from, int to) {
        byte first = needle[0];
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (text[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (text[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
