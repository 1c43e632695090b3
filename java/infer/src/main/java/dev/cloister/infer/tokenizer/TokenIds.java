package dev.cloister.infer.tokenizer;

import java.util.Arrays;

/** A growable list of token ids (the encoders' output buffer); {@link #toArray} wipes it. */
final class TokenIds {
    private int[] ids;
    private int size;

    TokenIds(int capacity) {
        this.ids = new int[Math.max(capacity, 4)];
    }

    void add(int id) {
        if (size == ids.length) {
            int[] grown = Arrays.copyOf(ids, ids.length * 2);
            Arrays.fill(ids, 0);
            ids = grown;
        }
        ids[size++] = id;
    }

    void addAll(int[] more) {
        for (int id : more) {
            add(id);
        }
    }

    int size() {
        return size;
    }

    int get(int index) {
        return ids[index];
    }

    /** The ids as an array; the buffer is wiped. */
    int[] toArray() {
        int[] out = Arrays.copyOf(ids, size);
        Arrays.fill(ids, 0);
        size = 0;
        return out;
    }
}
