package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.time.Instant;

/**
 * An OHTTP key configuration published for key consistency (entry type 0x02): the RFC 9458 §3 key config bytes
 * exactly as served at {@code /ohttp-keys}, and the window in which clients may use it.
 * <pre>
 * struct {
 *   opaque key_config<1..2^16-1>;   // RFC 9458 §3.1 encoding of one key configuration
 *   uint64 not_before;              // POSIX seconds, inclusive
 *   uint64 not_after;               // POSIX seconds, exclusive; not_before < not_after
 * } OhttpKeyConfigEntry;
 * </pre>
 */
public record OhttpKeyConfigEntry(Bytes keyConfig, Instant notBefore, Instant notAfter) implements LedgerEntry {

    public static final int TYPE = 0x02;

    public OhttpKeyConfigEntry {
        if (keyConfig.length() < 1 || keyConfig.length() > 0xffff - 32) {
            throw new IllegalArgumentException("key config of " + keyConfig.length() + " bytes");
        }
        LedgerEntry.checkSeconds("not_before", notBefore);
        LedgerEntry.checkSeconds("not_after", notAfter);
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("validity window " + notBefore + " .. " + notAfter + " is empty");
        }
    }

    /** Whether {@code now} is inside {@code [notBefore, notAfter)}. */
    public boolean validAt(Instant now) {
        return !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    @Override
    public byte[] encode() {
        return LedgerEntry.finish(LedgerEntry.header(TYPE)
                .opaque16(keyConfig)
                .u64(notBefore.getEpochSecond())
                .u64(notAfter.getEpochSecond()));
    }

    static OhttpKeyConfigEntry read(CanonicalReader r) throws FormatException {
        Bytes config = Bytes.of(r.opaque16("key config", 1));
        Instant nb = LedgerEntry.readSeconds(r, "not_before");
        Instant na = LedgerEntry.readSeconds(r, "not_after");
        return new OhttpKeyConfigEntry(config, nb, na);
    }

    @Override
    public String toString() {
        return "OhttpKeyConfigEntry[" + keyConfig.length() + " bytes, " + notBefore + " .. " + notAfter + "]";
    }
}
