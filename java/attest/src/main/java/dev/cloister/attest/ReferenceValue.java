package dev.cloister.attest;

import dev.cloister.base.Bytes;
import java.util.List;
import java.util.Objects;

/**
 * RFC 9334 §3.4 Reference Values, for one claim. A missing value never means "accept": skipping a check is written
 * down as {@link Skip}. Each platform policy states which variants a given claim accepts.
 */
public sealed interface ReferenceValue {

    /** The claim is deliberately not checked. */
    record Skip() implements ReferenceValue {}

    /**
     * The claim must equal one of these byte strings (for example launch measurements of published releases).
     *
     * @param allowed at least one value; all of the same length
     */
    record Digests(List<Bytes> allowed) implements ReferenceValue {
        public Digests {
            Objects.requireNonNull(allowed, "allowed");
            if (allowed.isEmpty()) {
                throw new IllegalArgumentException("Digests needs at least one allowed value (use Skip to skip)");
            }
            allowed = List.copyOf(allowed);
            int len = allowed.getFirst().length();
            for (Bytes d : allowed) {
                if (d.length() != len || d.length() == 0) {
                    throw new IllegalArgumentException("Digests must be non-empty and all of one length");
                }
            }
        }

        /** Digests allowing copies of {@code values}. */
        public static Digests of(byte[]... values) {
            return new Digests(java.util.Arrays.stream(values).map(Bytes::of).toList());
        }

        public static Digests ofHex(String... hex) {
            return new Digests(java.util.Arrays.stream(hex).map(Bytes::fromHex).toList());
        }

        /** Constant-time-free equality is fine here: the values are public. */
        public boolean matches(byte[] actual) {
            for (Bytes d : allowed) {
                if (d.contentEquals(actual)) {
                    return true;
                }
            }
            return false;
        }

        public int length() {
            return allowed.getFirst().length();
        }

        @Override
        public String toString() {
            return "Digests" + allowed.stream().map(Bytes::hex).toList();
        }
    }

    /**
     * The claim is a security version that must be at least this one, component by component.
     *
     * @param minimum a platform-specific TCB value (for SEV-SNP, {@link dev.cloister.attest.sevsnp.TcbVersion})
     */
    record MinimumTcb(SecurityVersion minimum) implements ReferenceValue {
        public MinimumTcb {
            Objects.requireNonNull(minimum, "minimum");
        }
    }
}
