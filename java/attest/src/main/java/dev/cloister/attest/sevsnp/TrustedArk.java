package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.base.Hex;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A root that a {@link SevSnpPolicy} trusts: an AMD Root Key certificate for one product line. An {@link RootKind#VENDOR}
 * root must be byte-identical to the pinned ARK of its product line (checked here, so no other certificate can be
 * passed off as AMD's).
 *
 * @param product the product line the root certifies
 * @param kind VENDOR (AMD) or SIMULATED
 * @param certificate the self-signed ARK certificate
 */
public record TrustedArk(ProductLine product, RootKind kind, X509Certificate certificate) {

    public TrustedArk {
        Objects.requireNonNull(product, "product");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(certificate, "certificate");
        if (kind == RootKind.VENDOR && !product.arkSha256().equals(sha256Hex(certificate))) {
            throw new IllegalArgumentException("not AMD's pinned ARK for " + product + ": SHA-256 "
                    + sha256Hex(certificate) + ", pinned " + product.arkSha256());
        }
    }

    /** AMD's pinned ARK for a product line (loaded from the bundled KDS chain, checked against the pin). */
    public static TrustedArk amd(ProductLine product) {
        return AmdRoots.bundled(product).ark();
    }

    /** A root from its DER encoding. */
    public static TrustedArk of(ProductLine product, RootKind kind, byte[] der) throws AttestationException {
        return new TrustedArk(product, kind, AmdCertificates.parseDer(der, "trusted ARK"));
    }

    /** SHA-256 of the ARK certificate's DER, lowercase hex. */
    public String sha256() {
        return sha256Hex(certificate);
    }

    private static String sha256Hex(X509Certificate c) {
        try {
            return Hex.format(AmdCertificates.sha256(c.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("unencodable certificate", e);
        }
    }

    @Override
    public String toString() {
        return "TrustedArk[" + product + ", " + kind + ", sha256=" + sha256() + "]";
    }
}
