package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.time.Instant;

/**
 * A Privacy Pass issuer key for one epoch (entry type 0x03), published so that an issuer cannot give one user a
 * private key (RFC 9576 §6.2 key consistency).
 * <pre>
 * struct {
 *   uint16 token_type;              // RFC 9578 token type, e.g. 0x0001 VOPRF(P-384, SHA-384)
 *   opaque issuer_name<1..255>;     // UTF-8 issuer name
 *   opaque public_key<1..2^16-1>;   // the token type's public key encoding (RFC 9578 §4 / §6)
 *   uint64 not_before;              // epoch start, POSIX seconds, inclusive
 *   uint64 not_after;               // epoch end, POSIX seconds, exclusive; not_before < not_after
 * } IssuerKeyEntry;
 * </pre>
 */
public record IssuerKeyEntry(int tokenType, String issuerName, Bytes publicKey, Instant notBefore, Instant notAfter)
        implements LedgerEntry {

    public static final int TYPE = 0x03;

    public IssuerKeyEntry {
        if (tokenType < 0 || tokenType > 0xffff) {
            throw new IllegalArgumentException("token type " + tokenType + " is not a uint16");
        }
        EnclaveRelease.checkText("issuer name", issuerName);
        if (publicKey.length() < 1 || publicKey.length() > 0xffff - 300) {
            throw new IllegalArgumentException("issuer public key of " + publicKey.length() + " bytes");
        }
        LedgerEntry.checkSeconds("not_before", notBefore);
        LedgerEntry.checkSeconds("not_after", notAfter);
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("epoch " + notBefore + " .. " + notAfter + " is empty");
        }
    }

    /** Whether {@code now} is inside the epoch {@code [notBefore, notAfter)}. */
    public boolean validAt(Instant now) {
        return !now.isBefore(notBefore) && now.isBefore(notAfter);
    }

    @Override
    public byte[] encode() {
        return LedgerEntry.finish(LedgerEntry.header(TYPE)
                .u16(tokenType)
                .string8(issuerName)
                .opaque16(publicKey)
                .u64(notBefore.getEpochSecond())
                .u64(notAfter.getEpochSecond()));
    }

    static IssuerKeyEntry read(CanonicalReader r) throws FormatException {
        int tokenType = r.u16("token type");
        String name = r.string8("issuer name");
        Bytes key = Bytes.of(r.opaque16("issuer public key", 1));
        Instant nb = LedgerEntry.readSeconds(r, "not_before");
        Instant na = LedgerEntry.readSeconds(r, "not_after");
        return new IssuerKeyEntry(tokenType, name, key, nb, na);
    }

    @Override
    public String toString() {
        return "IssuerKeyEntry[type 0x" + Integer.toHexString(tokenType) + ", " + issuerName + ", " + notBefore + " .. "
                + notAfter + "]";
    }
}
