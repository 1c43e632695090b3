package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The SGX extensions of a PCK certificate (OID 1.2.840.113741.1.13.1, Intel "SGX PCK Certificate and Certificate
 * Revocation List Profile Specification"): the platform's SGX TCB (16 component SVNs, PCESVN, CPUSVN), the PCE-ID and
 * the FMSPC that selects Intel's TCB info. Parsed strictly: each of the fields used here exactly once.
 *
 * @param sgxTcbComponents the 16 SGX TCB component SVNs (…1.13.1.2.1 to …2.16), each 0..255
 * @param pceSvn PCESVN (…1.13.1.2.17), 0..65535
 * @param cpuSvn CPUSVN (…1.13.1.2.18), 16 bytes
 * @param pceId PCE-ID (…1.13.1.3), 2 bytes
 * @param fmspc FMSPC (…1.13.1.4), 6 bytes
 */
public record PckExtensions(int[] sgxTcbComponents, int pceSvn, Bytes cpuSvn, Bytes pceId, Bytes fmspc) {

    static final String SGX_EXTENSIONS = "1.2.840.113741.1.13.1";
    private static final String TCB = SGX_EXTENSIONS + ".2";
    private static final String PCE_ID = SGX_EXTENSIONS + ".3";
    private static final String FMSPC = SGX_EXTENSIONS + ".4";

    public PckExtensions {
        Objects.requireNonNull(sgxTcbComponents, "sgxTcbComponents");
        if (sgxTcbComponents.length != 16 || cpuSvn.length() != 16 || pceId.length() != 2 || fmspc.length() != 6) {
            throw new IllegalArgumentException("16 components, CPUSVN 16, PCE-ID 2, FMSPC 6 bytes");
        }
        sgxTcbComponents = sgxTcbComponents.clone();
    }

    /** Reads the extension of a PCK leaf (whose signature was verified before). */
    public static PckExtensions of(X509Certificate pck) throws AttestationException {
        byte[] ext = pck.getExtensionValue(SGX_EXTENSIONS);
        if (ext == null) {
            throw new AttestationException("the PCK certificate has no SGX extension (" + SGX_EXTENSIONS + ")");
        }
        try {
            ASN1Sequence top = ASN1Sequence.getInstance(
                    ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets()));
            ASN1Encodable tcb = field(top, TCB);
            byte[] pceId = octets(field(top, PCE_ID), 2, "PCE-ID");
            byte[] fmspc = octets(field(top, FMSPC), 6, "FMSPC");
            ASN1Sequence t = ASN1Sequence.getInstance(tcb);
            int[] comps = new int[16];
            for (int i = 0; i < 16; i++) {
                comps[i] = integer(field(t, TCB + "." + (i + 1)), 255, "SGX TCB component " + (i + 1));
            }
            int pceSvn = integer(field(t, TCB + ".17"), 65535, "PCESVN");
            byte[] cpuSvn = octets(field(t, TCB + ".18"), 16, "CPUSVN");
            return new PckExtensions(comps, pceSvn, Bytes.of(cpuSvn), Bytes.of(pceId), Bytes.of(fmspc));
        } catch (IOException | RuntimeException e) {
            throw new AttestationException("the PCK certificate's SGX extension is malformed: " + e.getMessage(), e);
        }
    }

    private static ASN1Encodable field(ASN1Sequence seq, String oid) throws AttestationException {
        ASN1Encodable found = null;
        for (ASN1Encodable e : seq) {
            ASN1Sequence s = ASN1Sequence.getInstance(e);
            if (s.size() != 2) {
                throw new AttestationException("SGX extension entry is not an (OID, value) pair");
            }
            if (oid.equals(ASN1ObjectIdentifier.getInstance(s.getObjectAt(0)).getId())) {
                if (found != null) {
                    throw new AttestationException("SGX extension field " + oid + " appears twice");
                }
                found = s.getObjectAt(1);
            }
        }
        if (found == null) {
            throw new AttestationException("SGX extension field " + oid + " is missing");
        }
        return found;
    }

    private static byte[] octets(ASN1Encodable v, int len, String what) throws AttestationException {
        byte[] b = ASN1OctetString.getInstance(v).getOctets();
        if (b.length != len) {
            throw AttestationException.mismatch(what + " length", len, b.length);
        }
        return b;
    }

    private static int integer(ASN1Encodable v, int max, String what) throws AttestationException {
        BigInteger b = ASN1Integer.getInstance(v).getValue();
        if (b.signum() < 0 || b.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new AttestationException(what + " is out of range 0.." + max);
        }
        return b.intValueExact();
    }

    @Override
    public int[] sgxTcbComponents() {
        return sgxTcbComponents.clone();
    }

    public String fmspcHex() {
        return fmspc.hex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PckExtensions p
                && Arrays.equals(sgxTcbComponents, p.sgxTcbComponents)
                && pceSvn == p.pceSvn
                && cpuSvn.equals(p.cpuSvn)
                && pceId.equals(p.pceId)
                && fmspc.equals(p.fmspc);
    }

    @Override
    public int hashCode() {
        return fmspc.hashCode() * 31 + pceSvn;
    }

    @Override
    public String toString() {
        return "PckExtensions[sgxTcbComponents=" + Arrays.toString(sgxTcbComponents) + ", pceSvn=" + pceSvn + ", fmspc="
                + fmspcHex() + ", pceId=" + pceId.hex() + "]";
    }
}
