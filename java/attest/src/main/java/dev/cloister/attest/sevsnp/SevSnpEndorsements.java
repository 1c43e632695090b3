package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.Endorsements;
import dev.cloister.attest.Platform;
import java.util.List;

/**
 * AMD's endorsements of an SEV-SNP report: the VCEK (or VLEK) certificate and, optionally, the chain above it
 * (ASK or ASVK, then ARK, as KDS {@code cert_chain} returns them). Without a chain the bundled AMD intermediates of the
 * VCEK's product line are used. Nothing here is trusted: the chain must end in a root that the policy trusts.
 */
public final class SevSnpEndorsements implements Endorsements {

    private final byte[] signingCertificate;
    private final List<byte[]> chain;
    private final byte[] crl;

    private SevSnpEndorsements(byte[] signingCertificate, List<byte[]> chain) {
        this(signingCertificate, chain, null);
    }

    private SevSnpEndorsements(byte[] signingCertificate, List<byte[]> chain, byte[] crl) {
        this.signingCertificate = signingCertificate;
        this.chain = chain;
        this.crl = crl;
    }

    /**
     * These endorsements plus AMD's CRL for the product line (KDS {@code /vcek/v1/<product>/crl}, DER, signed by the
     * ARK): the verifier then also refuses a revoked ASK/ASVK or VCEK/VLEK, and a CRL that is not current.
     */
    public SevSnpEndorsements withCrl(byte[] crlDer) {
        return new SevSnpEndorsements(
                signingCertificate,
                chain,
                java.util.Objects.requireNonNull(crlDer, "crlDer").clone());
    }

    /** AMD's CRL (DER), if supplied. */
    public java.util.Optional<byte[]> crl() {
        return java.util.Optional.ofNullable(crl).map(byte[]::clone);
    }

    byte[] crlNoCopy() {
        return crl;
    }

    /**
     * @param signingCertificate the VCEK or VLEK certificate, DER or PEM
     * @param chain the ASK/ASVK and ARK, PEM (a KDS cert_chain response) or empty to use the bundled AMD chain
     */
    public static SevSnpEndorsements of(byte[] signingCertificate, byte[] chain) throws AttestationException {
        List<byte[]> leaf = AmdCertificates.pemOrDerCertificates(signingCertificate, "VCEK/VLEK certificate");
        if (leaf.size() != 1) {
            throw AttestationException.mismatch("VCEK/VLEK certificate: certificates", 1, leaf.size());
        }
        List<byte[]> rest = chain == null || chain.length == 0
                ? List.of()
                : AmdCertificates.pemOrDerCertificates(chain, "ASK/ARK chain");
        if (!rest.isEmpty() && rest.size() != 2) {
            throw AttestationException.mismatch("ASK/ARK chain: certificates", 2, rest.size());
        }
        for (byte[] c : rest) {
            if (c.length > AmdCertificates.MAX_CERTIFICATE_BYTES) {
                throw new AttestationException("ASK/ARK chain: certificate too large");
            }
        }
        return new SevSnpEndorsements(leaf.getFirst(), rest);
    }

    /** The VCEK or VLEK alone (DER or PEM); the chain above it is the bundled one for its product line. */
    public static SevSnpEndorsements ofSigningCertificate(byte[] signingCertificate) throws AttestationException {
        return of(signingCertificate, null);
    }

    public byte[] signingCertificate() {
        return signingCertificate.clone();
    }

    byte[] signingCertificateNoCopy() {
        return signingCertificate;
    }

    /** ASK or ASVK, then ARK (DER); empty when the bundled chain is to be used. */
    public List<byte[]> chain() {
        return chain.stream().map(byte[]::clone).toList();
    }

    List<byte[]> chainNoCopy() {
        return chain;
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }
}
