package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * The claims AMD puts in a VCEK or VLEK certificate (AMD pub. 57230, "Versioned Chip Endorsement Key (VCEK)
 * Certificate and KDS Interface Specification", table "VCEK Certificate Extensions"): under 1.3.6.1.4.1.3704.1,
 * .1 structVersion, .2 productName, .3.1 blSPL, .3.2 teeSPL, .3.3 snpSPL, .3.8 ucodeSPL, .3.9 fmcSPL (Turin), .4 hwID
 * (VCEK only), .5 cspId (VLEK only).
 *
 * @param certificate the parsed certificate (its signature is checked by the chain verifier, not here)
 * @param kind VCEK or VLEK, from the subject CN
 * @param structVersion 0 (Milan/Genoa TCB layout) or 1 (Turin)
 * @param productName for example "Milan-B0", "Genoa", "Turin"
 * @param tcb the TCB the certificate was issued for
 * @param hwId the chip's hardware id (64 bytes on Milan/Genoa, 8 on Turin); empty for a VLEK
 */
record VcekCertificate(
        X509Certificate certificate,
        SigningKey kind,
        int structVersion,
        String productName,
        TcbVersion tcb,
        Bytes hwId) {

    static final String ARC = "1.3.6.1.4.1.3704.1.";
    private static final BigInteger P384_ORDER = new BigInteger(
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16);
    /** Critical extensions we understand (none are expected in AMD's certificates). */
    private static final Set<String> KNOWN_CRITICAL = Set.of();

    static VcekCertificate from(X509Certificate c) throws AttestationException {
        String cn = commonName(c.getSubjectX500Principal());
        SigningKey kind = null;
        for (SigningKey k : SigningKey.values()) {
            if (k.certificateCommonName().equals(cn)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new AttestationException(
                    "VCEK/VLEK certificate: subject CN is \"" + cn + "\", expected SEV-VCEK or SEV-VLEK");
        }
        Set<String> critical = c.getCriticalExtensionOIDs();
        if (critical != null && !KNOWN_CRITICAL.containsAll(critical)) {
            throw new AttestationException(kind + " certificate: unknown critical extensions " + critical);
        }
        if (!(c.getPublicKey() instanceof ECPublicKey ec)
                || !P384_ORDER.equals(ec.getParams().getOrder())) {
            throw new AttestationException(kind + " certificate: subject key is not an EC P-384 key");
        }
        int structVersion = integer(c, "1", kind);
        String productName = ia5(c, "2", kind);
        TcbLayout layout = switch (structVersion) {
            case 0 -> TcbLayout.MILAN_GENOA;
            case 1 -> TcbLayout.TURIN;
            default -> throw new AttestationException(kind + " certificate: unknown structVersion " + structVersion);
        };
        int fmc = layout == TcbLayout.TURIN ? integer(c, "3.9", kind) : 0;
        TcbVersion tcb = new TcbVersion(
                layout,
                fmc,
                integer(c, "3.1", kind),
                integer(c, "3.2", kind),
                integer(c, "3.3", kind),
                integer(c, "3.8", kind));
        byte[] hwId = new byte[0];
        if (kind == SigningKey.VCEK) {
            hwId = raw(c, "4", kind);
            int expected = layout == TcbLayout.TURIN ? 8 : 64;
            if (hwId.length != expected) {
                throw AttestationException.mismatch(kind + " certificate: hwID length", expected, hwId.length);
            }
        }
        return new VcekCertificate(c, kind, structVersion, productName, tcb, Bytes.of(hwId));
    }

    static String commonName(X500Principal p) {
        for (String rdn : p.getName(X500Principal.RFC2253).split(",")) {
            if (rdn.startsWith("CN=")) {
                return rdn.substring(3);
            }
        }
        return "";
    }

    private static byte[] extension(X509Certificate c, String suffix, SigningKey kind) throws AttestationException {
        byte[] wrapped = c.getExtensionValue(ARC + suffix);
        if (wrapped == null) {
            throw new AttestationException(kind + " certificate: missing extension " + ARC + suffix);
        }
        try {
            return ASN1OctetString.getInstance(wrapped).getOctets();
        } catch (RuntimeException e) {
            throw new AttestationException(kind + " certificate: extension " + ARC + suffix + " is malformed", e);
        }
    }

    private static int integer(X509Certificate c, String suffix, SigningKey kind) throws AttestationException {
        byte[] v = extension(c, suffix, kind);
        try {
            BigInteger i =
                    ASN1Integer.getInstance(ASN1Primitive.fromByteArray(v)).getValue();
            if (i.signum() < 0 || i.bitLength() > 8) {
                throw new AttestationException(
                        kind + " certificate: extension " + ARC + suffix + " = " + i + " is not 0..255");
            }
            return i.intValueExact();
        } catch (IOException | RuntimeException e) {
            throw new AttestationException(kind + " certificate: extension " + ARC + suffix + " is not an INTEGER", e);
        }
    }

    private static String ia5(X509Certificate c, String suffix, SigningKey kind) throws AttestationException {
        byte[] v = extension(c, suffix, kind);
        try {
            return ASN1IA5String.getInstance(ASN1Primitive.fromByteArray(v)).getString();
        } catch (IOException | RuntimeException e) {
            throw new AttestationException(
                    kind + " certificate: extension " + ARC + suffix + " is not an IA5String", e);
        }
    }

    private static byte[] raw(X509Certificate c, String suffix, SigningKey kind) throws AttestationException {
        return extension(c, suffix, kind);
    }
}
