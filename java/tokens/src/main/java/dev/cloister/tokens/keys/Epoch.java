package dev.cloister.tokens.keys;

/** A key epoch: issuer keys rotate once per epoch (for example daily); the index counts from the schedule's origin. */
public record Epoch(long index) implements Comparable<Epoch> {
    public Epoch {
        if (index < 0) {
            throw new IllegalArgumentException("epoch index must not be negative: " + index);
        }
    }

    public Epoch next() {
        return new Epoch(Math.addExact(index, 1));
    }

    public Epoch previous() {
        return new Epoch(index - 1);
    }

    @Override
    public int compareTo(Epoch o) {
        return Long.compare(index, o.index);
    }
}
