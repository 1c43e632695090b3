package dev.cloister.tokens.privacypass;

import dev.cloister.base.Hex;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The TokenChallenge of RFC 9577 §2.1:
 * <pre>
 * struct {
 *     uint16_t token_type;
 *     opaque issuer_name&lt;1..2^16-1&gt;;
 *     opaque redemption_context&lt;0..32&gt;;   // 0 or 32 bytes
 *     opaque origin_info&lt;0..2^16-1&gt;;
 * } TokenChallenge;
 * </pre>
 * issuer_name and origin_info are ASCII (origin_info a comma-separated list of origin names).
 */
public final class TokenChallenge {
    /** The largest encoding accepted when decoding. */
    public static final int MAX_ENCODED_LENGTH = 2 + 2 + 65535 + 1 + 32 + 2 + 65535;

    private final int tokenType;
    private final String issuerName;
    private final byte[] redemptionContext;
    private final String originInfo;
    private final byte[] encoded;

    private TokenChallenge(int tokenType, String issuerName, byte[] redemptionContext, String originInfo) {
        this.tokenType = tokenType;
        this.issuerName = issuerName;
        this.redemptionContext = redemptionContext;
        this.originInfo = originInfo;
        this.encoded = encodeFields();
    }

    /**
     * @param redemptionContext empty, or 32 bytes (RFC 9577 §2.1.1)
     * @param originInfo        empty, or a comma-separated list of origin names
     */
    public static TokenChallenge of(int tokenType, String issuerName, byte[] redemptionContext, String originInfo) {
        if (tokenType < 0 || tokenType > 0xffff) {
            throw new IllegalArgumentException("token_type out of range: " + tokenType);
        }
        Objects.requireNonNull(redemptionContext, "redemptionContext");
        if (redemptionContext.length != 0 && redemptionContext.length != 32) {
            throw new IllegalArgumentException(
                    "redemption_context must be 0 or 32 bytes, got " + redemptionContext.length);
        }
        String issuer = checkAscii(Objects.requireNonNull(issuerName, "issuerName"), "issuer_name");
        if (issuer.isEmpty() || issuer.length() > 0xffff) {
            throw new IllegalArgumentException("issuer_name must be 1 to 65535 bytes");
        }
        String origins = checkAscii(Objects.requireNonNull(originInfo, "originInfo"), "origin_info");
        if (origins.length() > 0xffff) {
            throw new IllegalArgumentException("origin_info longer than 65535 bytes");
        }
        return new TokenChallenge(tokenType, issuer, redemptionContext.clone(), origins);
    }

    public static TokenChallenge of(TokenType type, String issuerName, byte[] redemptionContext, List<String> origins) {
        for (String o : origins) {
            if (o.isEmpty() || o.indexOf(',') >= 0) {
                throw new IllegalArgumentException(
                        "origin names must be non-empty and contain no comma: \"" + o + "\"");
            }
        }
        return of(type.code(), issuerName, redemptionContext, String.join(",", origins));
    }

    /** Decodes exactly one TokenChallenge; trailing bytes are an error. */
    public static TokenChallenge decode(byte[] encoded) throws TokenFormatException {
        if (encoded.length > MAX_ENCODED_LENGTH) {
            throw new TokenFormatException("TokenChallenge longer than " + MAX_ENCODED_LENGTH + " bytes");
        }
        WireReader r = new WireReader(encoded, "TokenChallenge");
        int type = r.u16();
        int issuerLength = r.u16();
        if (issuerLength == 0) {
            throw new TokenFormatException("TokenChallenge: empty issuer_name");
        }
        byte[] issuer = r.bytes(issuerLength, "issuer_name");
        int contextLength = r.u8();
        if (contextLength != 0 && contextLength != 32) {
            throw new TokenFormatException(
                    "TokenChallenge: redemption_context must be 0 or 32 bytes, got " + contextLength);
        }
        byte[] context = r.bytes(contextLength, "redemption_context");
        byte[] origin = r.bytes(r.u16(), "origin_info");
        r.end();
        return new TokenChallenge(type, ascii(issuer, "issuer_name"), context, ascii(origin, "origin_info"));
    }

    private static String ascii(byte[] b, String field) throws TokenFormatException {
        for (byte x : b) {
            if (x < 0x20 || x > 0x7e) {
                throw new TokenFormatException(String.format(
                        "TokenChallenge: %s holds non-printable or non-ASCII byte 0x%02x", field, x & 0xff));
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static String checkAscii(String s, String field) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(field + " must be printable ASCII");
            }
        }
        return s;
    }

    private byte[] encodeFields() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] issuer = issuerName.getBytes(StandardCharsets.US_ASCII);
        byte[] origin = originInfo.getBytes(StandardCharsets.US_ASCII);
        out.write(tokenType >>> 8);
        out.write(tokenType);
        out.write(issuer.length >>> 8);
        out.write(issuer.length);
        out.writeBytes(issuer);
        out.write(redemptionContext.length);
        out.writeBytes(redemptionContext);
        out.write(origin.length >>> 8);
        out.write(origin.length);
        out.writeBytes(origin);
        return out.toByteArray();
    }

    public byte[] encode() {
        return encoded.clone();
    }

    /** challenge_digest = SHA-256(TokenChallenge) (RFC 9578 §5.1). */
    public byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(encoded);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 vanished", e);
        }
    }

    public int tokenType() {
        return tokenType;
    }

    public String issuerName() {
        return issuerName;
    }

    public byte[] redemptionContext() {
        return redemptionContext.clone();
    }

    public String originInfo() {
        return originInfo;
    }

    /** origin_info split at commas; empty when the challenge names no origin. */
    public List<String> origins() {
        return originInfo.isEmpty() ? List.of() : List.of(originInfo.split(",", -1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenChallenge c && Arrays.equals(encoded, c.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "TokenChallenge[type=" + tokenType + ", issuer=" + issuerName + ", context="
                + Hex.format(redemptionContext) + ", origins=" + originInfo + "]";
    }
}
