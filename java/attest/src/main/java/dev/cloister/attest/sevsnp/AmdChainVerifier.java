package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Verifies VCEK → ASK → ARK (or VLEK → ASVK → ARK) with RSASSA-PSS SHA-384, and caches each verified chain by the
 * SHA-256 fingerprints of its certificates. What is cached is only "these exact certificates chain to this ARK";
 * whether that ARK is trusted (policy) and whether the certificates are valid (time) is checked on every call.
 */
public final class AmdChainVerifier {

    /** Entries kept before the cache is emptied (a verifier sees one VCEK per chip and TCB). */
    static final int MAX_ENTRIES = 4096;

    /** One certificate's validity window. */
    record Window(String what, Instant notBefore, Instant notAfter) {}

    /**
     * A chain whose signatures verified.
     *
     * @param arkSha256 the ARK it ends in
     * @param leaf the VCEK/VLEK claims
     * @param leafKey the VCEK/VLEK public key (P-384)
     * @param windows validity windows of leaf, intermediate, ARK
     * @param leafSha256 fingerprint of the VCEK/VLEK certificate
     * @param intermediateSha256 fingerprint of the ASK/ASVK
     * @param ark the ARK certificate (the signer of AMD's CRL)
     * @param intermediate the ASK/ASVK certificate
     */
    record VerifiedChain(
            String arkSha256,
            VcekCertificate leaf,
            ECPublicKeyParameters leafKey,
            List<Window> windows,
            String leafSha256,
            String intermediateSha256,
            X509Certificate ark,
            X509Certificate intermediate) {}

    /**
     * The VCEK key as a BouncyCastle point on its P-384 implementation, kept with the cached chain: BouncyCastle
     * verifies P-384 ECDSA several times faster than the JDK, and keeps the point's precomputation between calls.
     */
    static ECPublicKeyParameters p384(PublicKey key) throws AttestationException {
        if (!(key instanceof java.security.interfaces.ECPublicKey ec)) {
            throw new AttestationException("VCEK/VLEK key is not an EC key");
        }
        X9ECParameters x9 = CustomNamedCurves.getByName("P-384");
        try {
            ECPoint q =
                    x9.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
            return new ECPublicKeyParameters(q, new ECDomainParameters(x9));
        } catch (RuntimeException e) {
            throw new AttestationException("VCEK/VLEK key is not a valid P-384 point", e);
        }
    }

    private final Map<String, VerifiedChain> cache = new ConcurrentHashMap<>();

    /** Number of cached chains (for tests and metrics). */
    public int cachedChains() {
        return cache.size();
    }

    /** Empties the cache. */
    public void clear() {
        cache.clear();
    }

    VerifiedChain verify(Instant now, SevSnpEndorsements endorsements, List<TrustedArk> trusted)
            throws AttestationException {
        byte[] leafDer = endorsements.signingCertificateNoCopy();
        List<byte[]> chain = endorsements.chainNoCopy();
        String leafFp = Hex.format(AmdCertificates.sha256(leafDer));
        String key;
        byte[] intermediateDer;
        byte[] arkDer;
        if (chain.isEmpty()) {
            key = leafFp + "/bundled";
            VerifiedChain hit = cache.get(key);
            if (hit != null) {
                return checkTrustedAndValid(now, hit, trusted);
            }
            VcekCertificate leaf = VcekCertificate.from(AmdCertificates.parseDer(leafDer, "VCEK/VLEK certificate"));
            ProductLine product = ProductLine.fromVcekProductName(leaf.productName());
            if (product == null) {
                throw new AttestationException(leaf.kind() + " certificate: productName \"" + leaf.productName()
                        + "\" is not a known product line and no ASK/ARK chain was supplied");
            }
            AmdRoots.Bundled b = AmdRoots.bundled(product);
            intermediateDer = b.intermediateDer(leaf.kind()).toByteArray();
            arkDer = b.arkDer().toByteArray();
        } else {
            intermediateDer = chain.get(0);
            arkDer = chain.get(1);
            key = leafFp + "/" + Hex.format(AmdCertificates.sha256(intermediateDer)) + "/"
                    + Hex.format(AmdCertificates.sha256(arkDer));
            VerifiedChain hit = cache.get(key);
            if (hit != null) {
                return checkTrustedAndValid(now, hit, trusted);
            }
        }
        String arkFp = Hex.format(AmdCertificates.sha256(arkDer));
        TrustedArk root = find(trusted, arkFp);
        VerifiedChain v = verifyUncached(root, leafDer, leafFp, intermediateDer, arkDer, arkFp);
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(key, v);
        return checkTrustedAndValid(now, v, trusted);
    }

    private static TrustedArk find(List<TrustedArk> trusted, String arkFp) throws AttestationException {
        for (TrustedArk t : trusted) {
            if (t.sha256().equals(arkFp)) {
                return t;
            }
        }
        throw new AttestationException("AMD chain: the ARK (SHA-256 " + arkFp + ") is not a root this policy trusts "
                + trusted.stream().map(t -> t.product() + "/" + t.kind()).toList());
    }

    private static VerifiedChain checkTrustedAndValid(Instant now, VerifiedChain v, List<TrustedArk> trusted)
            throws AttestationException {
        find(trusted, v.arkSha256());
        for (Window w : v.windows()) {
            if (now.isBefore(w.notBefore()) || now.isAfter(w.notAfter())) {
                throw new AttestationException("AMD chain: " + w.what() + " is not valid at " + now + " (valid "
                        + w.notBefore() + " to " + w.notAfter() + ")");
            }
        }
        return v;
    }

    private static VerifiedChain verifyUncached(
            TrustedArk root, byte[] leafDer, String leafFp, byte[] intermediateDer, byte[] arkDer, String arkFp)
            throws AttestationException {
        ProductLine product = root.product();
        X509Certificate ark = AmdCertificates.parseDer(arkDer, "ARK");
        X509Certificate intermediate = AmdCertificates.parseDer(intermediateDer, "ASK/ASVK");
        VcekCertificate leaf = VcekCertificate.from(AmdCertificates.parseDer(leafDer, "VCEK/VLEK certificate"));
        String intermediateName = leaf.kind() == SigningKey.VCEK ? "ASK" : "ASVK";

        requireCn(ark, "ARK-" + product.kdsName(), "ARK");
        requireCn(
                intermediate,
                (leaf.kind() == SigningKey.VCEK ? "SEV-" : "SEV-VLEK-") + product.kdsName(),
                intermediateName);
        if (!ark.getSubjectX500Principal().equals(ark.getIssuerX500Principal())) {
            throw new AttestationException("ARK: not self-issued");
        }
        if (!intermediate.getIssuerX500Principal().equals(ark.getSubjectX500Principal())) {
            throw new AttestationException(intermediateName + ": issuer is not the ARK");
        }
        if (!leaf.certificate().getIssuerX500Principal().equals(intermediate.getSubjectX500Principal())) {
            throw new AttestationException(leaf.kind() + ": issuer is not the " + intermediateName);
        }
        AmdCertificates.verifyAmdPss(ark, ark.getPublicKey(), "ARK self-signature");
        AmdCertificates.verifyAmdPss(intermediate, ark.getPublicKey(), intermediateName + " signed by ARK");
        AmdCertificates.verifyAmdPss(
                leaf.certificate(), intermediate.getPublicKey(), leaf.kind() + " signed by " + intermediateName);

        ProductLine named = ProductLine.fromVcekProductName(leaf.productName());
        if (named != product) {
            throw AttestationException.mismatch(
                    leaf.kind() + " certificate: productName", product.kdsName() + "[-*]", leaf.productName());
        }
        if (leaf.tcb().layout() != product.tcbLayout()) {
            throw AttestationException.mismatch(
                    leaf.kind() + " certificate: structVersion (TCB layout) for " + product,
                    product.tcbLayout().structVersion(),
                    leaf.structVersion());
        }
        List<Window> windows = List.of(
                window(leaf.kind().name(), leaf.certificate()),
                window(intermediateName, intermediate),
                window("ARK", ark));
        return new VerifiedChain(
                arkFp,
                leaf,
                p384(leaf.certificate().getPublicKey()),
                windows,
                leafFp,
                Hex.format(AmdCertificates.sha256(intermediateDer)),
                ark,
                intermediate);
    }

    private static void requireCn(X509Certificate c, String expected, String what) throws AttestationException {
        String cn = VcekCertificate.commonName(c.getSubjectX500Principal());
        if (!expected.equals(cn)) {
            throw AttestationException.mismatch(what + ": subject CN", expected, cn);
        }
    }

    private static Window window(String what, X509Certificate c) {
        return new Window(what, c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
    }
}
