package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import dev.cloister.base.MalformedPemException;
import dev.cloister.base.Pem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * An Intel TDX DCAP quote, version 4 or 5 (Intel "TDX DCAP Quoting Library API", Appendix A; offsets cross-checked
 * with google/go-tdx-guest abi/abi.go). Integers are little-endian. The quote ends where its length fields say;
 * bytes after that (real quotes come in larger buffers) are not part of it and are ignored.
 *
 * <p>{@link #parse} checks the structure only: versions, key type, TEE type, body type and size, the exact nesting of
 * the certification data (type 6 holding the QE report, its signature, the QE authentication data and a type-5 PCK
 * chain), and that the PCK chain is strict PEM. Nothing here is trusted before {@link TdxVerifier} checks it.
 */
public final class TdxQuote {

    static final int HEADER = 0x30;
    static final int ECDSA_P256 = 2;
    static final int TEE_TDX = 0x81;
    static final int BODY_TDX10 = 584;
    static final int BODY_TDX15 = 648;
    static final int QE_REPORT = 384;
    public static final int MAX_QUOTE = 64 * 1024;
    static final byte[] INTEL_QE_VENDOR = Hex.parse("939a7233f79c4ca9940a0db3957f0607");

    private final byte[] quote;
    private final int version;
    private final int bodyStart;
    private final int bodyLength;
    private final int signedEnd;
    private final int sigData;
    private final int authDataLength;
    private final List<byte[]> pckChain;
    private final int quoteEnd;

    private TdxQuote(
            byte[] quote,
            int version,
            int bodyStart,
            int bodyLength,
            int signedEnd,
            int sigData,
            int authDataLength,
            List<byte[]> pckChain,
            int quoteEnd) {
        this.quote = quote;
        this.version = version;
        this.bodyStart = bodyStart;
        this.bodyLength = bodyLength;
        this.signedEnd = signedEnd;
        this.sigData = sigData;
        this.authDataLength = authDataLength;
        this.pckChain = pckChain;
        this.quoteEnd = quoteEnd;
    }

    public static TdxQuote parse(byte[] input) throws AttestationException {
        if (input == null) {
            throw new AttestationException("TDX quote: missing");
        }
        if (input.length > MAX_QUOTE) {
            throw new AttestationException("TDX quote: " + input.length + " bytes exceeds the limit of " + MAX_QUOTE);
        }
        byte[] q = input.clone();
        ByteBuffer b = ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN);
        need(q, 0, HEADER + 6, "header");
        int version = b.getShort(0) & 0xffff;
        if (version != 4 && version != 5) {
            throw new AttestationException("TDX quote: unknown version " + version + " (this verifier knows 4 and 5)");
        }
        if ((b.getShort(2) & 0xffff) != ECDSA_P256) {
            throw AttestationException.mismatch("TDX quote: attestation key type", ECDSA_P256, b.getShort(2) & 0xffff);
        }
        if (b.getInt(4) != TEE_TDX) {
            throw AttestationException.mismatch("TDX quote: TEE type", "0x81", String.format("0x%x", b.getInt(4)));
        }
        if (!Arrays.equals(q, 0x0C, 0x1C, INTEL_QE_VENDOR, 0, 16)) {
            throw new AttestationException("TDX quote: QE vendor is not Intel");
        }
        int bodyStart;
        int bodyLength;
        if (version == 4) {
            bodyStart = HEADER;
            bodyLength = BODY_TDX10;
        } else {
            int type = b.getShort(HEADER) & 0xffff;
            long size = Integer.toUnsignedLong(b.getInt(HEADER + 2));
            bodyStart = HEADER + 6;
            bodyLength = switch (type) {
                case 2 -> BODY_TDX10;
                case 3 -> BODY_TDX15;
                default -> throw new AttestationException("TDX quote: unknown v5 body type " + type);
            };
            if (size != bodyLength) {
                throw AttestationException.mismatch("TDX quote: v5 body size for type " + type, bodyLength, size);
            }
        }
        int signedEnd = bodyStart + bodyLength;
        need(q, signedEnd, 4, "signature data length");
        long sigLen = Integer.toUnsignedLong(b.getInt(signedEnd));
        int sd = signedEnd + 4;
        need(q, sd, sigLen, "signature data");
        int quoteEnd = (int) (sd + sigLen);
        // Signature data: sig(64) ‖ attestation key(64) ‖ certification data type 6 (u16) ‖ size (u32) ‖ ...
        if (sigLen < 134) {
            throw new AttestationException("TDX quote: signature data of " + sigLen + " bytes is too short");
        }
        int type6 = b.getShort(sd + 128) & 0xffff;
        long size6 = Integer.toUnsignedLong(b.getInt(sd + 130));
        if (type6 != 6) {
            throw AttestationException.mismatch("TDX quote: certification data type", 6, type6);
        }
        if (134 + size6 != sigLen) {
            throw AttestationException.mismatch("TDX quote: certification data size", sigLen - 134, size6);
        }
        int qe = sd + 134;
        need(q, qe, QE_REPORT + 64 + 2, "QE report");
        int authLen = b.getShort(qe + QE_REPORT + 64) & 0xffff;
        int certData = qe + QE_REPORT + 64 + 2 + authLen;
        if (certData + 6L > quoteEnd) {
            throw new AttestationException("TDX quote: QE authentication data runs past the signature data");
        }
        int type5 = b.getShort(certData) & 0xffff;
        long size5 = Integer.toUnsignedLong(b.getInt(certData + 2));
        if (type5 != 5) {
            throw AttestationException.mismatch("TDX quote: inner certification data type (PCK chain)", 5, type5);
        }
        if (certData + 6 + size5 != quoteEnd) {
            throw AttestationException.mismatch("TDX quote: PCK chain size", quoteEnd - certData - 6, size5);
        }
        List<byte[]> chain = strictPem(Arrays.copyOfRange(q, certData + 6, quoteEnd));
        return new TdxQuote(q, version, bodyStart, bodyLength, signedEnd, sd, authLen, chain, quoteEnd);
    }

    private static void need(byte[] q, int at, long n, String what) throws AttestationException {
        if (at + n > q.length) {
            throw new AttestationException("TDX quote: truncated " + what + " (" + q.length + " bytes)");
        }
    }

    /**
     * PEM in its one canonical form ({@link Pem#decodeCanonical}: LF line ends, 64-character lines of canonical
     * base64, nothing between blocks), at most one NUL after the last block, 2 to 4 certificates. Nothing else is
     * accepted, so no byte of the chain can change without changing a certificate.
     */
    static List<byte[]> strictPem(byte[] pem) throws AttestationException {
        int end = pem.length > 0 && pem[pem.length - 1] == 0 ? pem.length - 1 : pem.length;
        List<byte[]> out;
        try {
            out = Pem.certificates(Pem.decodeCanonical(Arrays.copyOf(pem, end), new Pem.Limits(Math.max(1, end), 4)));
        } catch (MalformedPemException e) {
            throw new AttestationException("TDX quote: PCK chain: " + e.getMessage(), e);
        }
        if (out.size() < 2) {
            throw new AttestationException("TDX quote: PCK chain has " + out.size() + " certificates");
        }
        return out;
    }

    private byte[] slice(int off, int len) {
        return Arrays.copyOfRange(quote, off, off + len);
    }

    public int version() {
        return version;
    }

    /** Header ‖ body (v5: ‖ body type ‖ size ‖ body): what the attestation key signed. */
    byte[] signedBytes() {
        return Arrays.copyOf(quote, signedEnd);
    }

    /** The quote without trailing bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(quote, quoteEnd);
    }

    int quoteEnd() {
        return quoteEnd;
    }

    byte[] quoteSignature() {
        return slice(sigData, 64);
    }

    byte[] attestationKey() {
        return slice(sigData + 64, 64);
    }

    byte[] qeReport() {
        return slice(sigData + 134, QE_REPORT);
    }

    byte[] qeReportSignature() {
        return slice(sigData + 134 + QE_REPORT, 64);
    }

    byte[] qeAuthData() {
        return slice(sigData + 134 + QE_REPORT + 66, authDataLength);
    }

    List<byte[]> pckChain() {
        return pckChain.stream().map(byte[]::clone).toList();
    }

    public int bodyLength() {
        return bodyLength;
    }

    public byte[] teeTcbSvn() {
        return slice(bodyStart, 16);
    }

    public byte[] mrSeam() {
        return slice(bodyStart + 0x10, 48);
    }

    public byte[] mrSignerSeam() {
        return slice(bodyStart + 0x40, 48);
    }

    public byte[] seamAttributes() {
        return slice(bodyStart + 0x70, 8);
    }

    public byte[] tdAttributes() {
        return slice(bodyStart + 0x78, 8);
    }

    /** TDATTRIBUTES bit 0: the TD is debuggable (its memory is readable by the host). */
    public boolean debug() {
        return (quote[bodyStart + 0x78] & 1) == 1;
    }

    public byte[] xfam() {
        return slice(bodyStart + 0x80, 8);
    }

    public byte[] mrTd() {
        return slice(bodyStart + 0x88, 48);
    }

    public byte[] mrConfigId() {
        return slice(bodyStart + 0xB8, 48);
    }

    public byte[] mrOwner() {
        return slice(bodyStart + 0xE8, 48);
    }

    public byte[] mrOwnerConfig() {
        return slice(bodyStart + 0x118, 48);
    }

    public byte[] rtmr(int i) {
        if (i < 0 || i > 3) {
            throw new IllegalArgumentException("RTMR 0..3");
        }
        return slice(bodyStart + 0x148 + 48 * i, 48);
    }

    public byte[] reportData() {
        return slice(bodyStart + 0x208, 64);
    }
}
