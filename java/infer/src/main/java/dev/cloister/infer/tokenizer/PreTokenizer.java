package dev.cloister.infer.tokenizer;

import static dev.cloister.infer.tokenizer.UnicodeCategories.isLetter;
import static dev.cloister.infer.tokenizer.UnicodeCategories.isNumber;
import static dev.cloister.infer.tokenizer.UnicodeCategories.isWhitespace;

import java.util.Optional;

/**
 * How a byte-level BPE vocabulary cuts text into words before merging (GGUF {@code tokenizer.ggml.pre}), as llama.cpp
 * does it: not with a regular-expression engine but with scanners that give, on every input, the words of the
 * pre-tokenizer regex its comment names, with llama.cpp's Unicode classes ({@link UnicodeCategories}). A scanner reads
 * each code point a bounded number of times, so splitting is linear in the text.
 */
enum PreTokenizer {
    /** Llama 3.x: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}. */
    LLAMA3(true, true),
    /** Qwen 2/2.5/3: as {@link #LLAMA3} with one digit per word ({@code \p{N}}). */
    QWEN2(false, false),
    /** SmolLM: each digit its own word ({@code \p{N}}), then the GPT-2 expression on what is left. */
    SMOLLM(false, false),
    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    GPT2(false, false);

    private static final int OUT_OF_RANGE = -1;

    private final boolean ignoreMerges;
    private final boolean addBos;

    PreTokenizer(boolean ignoreMerges, boolean addBos) {
        this.ignoreMerges = ignoreMerges;
        this.addBos = addBos;
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} value, by the names llama.cpp gives them. */
    static Optional<PreTokenizer> named(String pre) {
        return Optional.ofNullable(
                switch (pre) {
                    case "llama3", "llama-v3", "llama-bpe" -> LLAMA3;
                    case "qwen2", "deepseek-r1-qwen" -> QWEN2;
                    case "smollm" -> SMOLLM;
                    case "gpt-2" -> GPT2;
                    default -> null;
                });
    }

    /** Whether a word that is a token as a whole is taken as it is, without merging (llama.cpp's ignore_merges). */
    boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** Whether the model adds BOS unless {@code tokenizer.ggml.add_bos_token} says otherwise. */
    boolean addsBosByDefault() {
        return addBos;
    }

    /** The lengths, in code points, of the words of {@code cpts} in order (they add up to its length). */
    int[] split(int[] cpts) {
        TokenIds words = new TokenIds(cpts.length / 4 + 1);
        if (cpts.length == 0) {
            return words.toArray();
        }
        switch (this) {
            case LLAMA3 -> scanLlama3(cpts, 0, cpts.length, 3, words);
            case QWEN2 -> scanLlama3(cpts, 0, cpts.length, 1, words);
            case GPT2 -> scanGpt2(cpts, 0, cpts.length, words);
            case SMOLLM -> {
                // first \p{N}: each digit apart, and the runs between them; then GPT-2 within each run
                int start = 0;
                for (int pos = 0; pos < cpts.length; pos++) {
                    int flags = UnicodeCategories.of(cpts[pos]);
                    if (isNumber(flags) && !isWhitespace(flags)) {
                        if (pos > start) {
                            scanGpt2(cpts, start, pos, words);
                        }
                        words.add(1);
                        start = pos + 1;
                    }
                }
                if (start < cpts.length) {
                    scanGpt2(cpts, start, cpts.length, words);
                }
            }
        }
        return words.toArray();
    }

    /** The code points of one range, out of range reading as {@link #OUT_OF_RANGE} with no flags. */
    @SuppressWarnings("ArrayRecordComponent") // a view of the caller's array, never copied or compared
    private record Range(int[] cpts, int from, int to) {
        int cpt(int pos) {
            return pos >= from && pos < to ? cpts[pos] : OUT_OF_RANGE;
        }

        int flags(int pos) {
            return pos >= from && pos < to ? UnicodeCategories.of(cpts[pos]) : 0;
        }
    }

    private static boolean isOther(int flags) {
        return !isWhitespace(flags) && !isLetter(flags) && !isNumber(flags) && flags != 0;
    }

    private static boolean isNewline(int cpt) {
        return cpt == '\r' || cpt == '\n';
    }

    /** The contraction ('s, 't, 're, 've, 'm, 'll, 'd) at {@code pos}: its length, or 0. */
    private static int contraction(Range r, int pos, boolean anyCase) {
        if (r.cpt(pos) != '\'' || pos + 1 >= r.to()) {
            return 0;
        }
        int next = anyCase ? lower(r.cpt(pos + 1)) : r.cpt(pos + 1);
        if (next == 's' || next == 't' || next == 'm' || next == 'd') {
            return 2;
        }
        if (pos + 2 < r.to()) {
            int after = anyCase ? lower(r.cpt(pos + 2)) : r.cpt(pos + 2);
            if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l')) {
                return 3;
            }
        }
        return 0;
    }

    private static int lower(int cpt) {
        return cpt < 0 ? cpt : Character.toLowerCase(cpt);
    }

    /** The run of whitespace at {@code pos}: {@code [count, end of the last \r or \n + 1 (0 if none)]}. */
    private static int[] whitespaceRun(Range r, int pos) {
        int count = 0;
        int lastNewlineEnd = 0;
        while (isWhitespace(r.flags(pos + count))) {
            if (isNewline(r.cpt(pos + count))) {
                lastNewlineEnd = pos + count + 1;
            }
            count++;
        }
        return new int[] {count, lastNewlineEnd};
    }

    /** The GPT-2 expression over {@code cpts[from, to)}. */
    private static void scanGpt2(int[] cpts, int from, int to, TokenIds words) {
        Range r = new Range(cpts, from, to);
        int pos = from;
        while (pos < to) {
            int start = pos;
            int cpt = r.cpt(pos);
            int flags = r.flags(pos);
            int contraction = contraction(r, pos, false);
            if (contraction > 0) {
                pos += contraction;
            } else {
                int lead = cpt == ' ' ? 1 : 0;
                int first = cpt == ' ' ? r.flags(pos + 1) : flags;
                if (isLetter(first)) {
                    pos += lead;
                    while (isLetter(r.flags(pos))) {
                        pos++;
                    }
                } else if (isNumber(first)) {
                    pos += lead;
                    while (isNumber(r.flags(pos))) {
                        pos++;
                    }
                } else if (isOther(first)) {
                    pos += lead;
                    while (isOther(r.flags(pos))) {
                        pos++;
                    }
                } else {
                    int spaces = whitespaceRun(r, pos)[0];
                    if (spaces > 1 && r.cpt(pos + spaces) != OUT_OF_RANGE) {
                        pos += spaces - 1; // \s+(?!\S): leave the last one to the word that follows
                    } else if (spaces > 0) {
                        pos += spaces;
                    } else {
                        pos++;
                    }
                }
            }
            words.add(pos - start);
        }
    }

    /** The Llama 3 expression over {@code cpts[from, to)}, with digit runs cut every {@code digits} digits. */
    private static void scanLlama3(int[] cpts, int from, int to, int digits, TokenIds words) {
        Range r = new Range(cpts, from, to);
        int pos = from;
        while (pos < to) {
            int cpt = r.cpt(pos);
            int flags = r.flags(pos);
            int contraction = contraction(r, pos, true);
            if (contraction > 0) {
                words.add(contraction);
                pos += contraction;
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!isNewline(cpt) && !isNumber(flags) && (isLetter(flags) || isLetter(r.flags(pos + 1)))) {
                int start = pos++;
                while (isLetter(r.flags(pos))) {
                    pos++;
                }
                words.add(pos - start);
                continue;
            }
            // \p{N}{1,digits}
            if (isNumber(flags)) {
                int start = pos;
                while (isNumber(r.flags(pos)) && pos - start < digits) {
                    pos++;
                }
                words.add(pos - start);
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int first = cpt == ' ' ? r.flags(pos + 1) : flags;
            if (!isWhitespace(first) && !isLetter(first) && !isNumber(first) && flags != 0) {
                int start = pos;
                pos += cpt == ' ' ? 1 : 0;
                while (isOther(r.flags(pos))) {
                    pos++;
                }
                while (isNewline(r.cpt(pos))) {
                    pos++;
                }
                words.add(pos - start);
                continue;
            }
            int start = pos;
            int[] run = whitespaceRun(r, pos);
            if (run[1] > 0) {
                pos = run[1]; // \s*[\r\n]+
            } else if (run[0] > 1 && r.cpt(pos + run[0]) != OUT_OF_RANGE) {
                pos += run[0] - 1; // \s+(?!\S)
            } else if (run[0] > 0) {
                pos += run[0]; // \s+
            } else {
                pos++;
            }
            words.add(pos - start);
        }
    }
}
