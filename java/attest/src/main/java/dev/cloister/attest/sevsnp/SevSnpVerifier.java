package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RevocationCheck;
import dev.cloister.attest.SecurityVersion;
import dev.cloister.base.Hex;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * Appraises SEV-SNP evidence, in this order: report structure (size, known version, algorithm, reserved bytes); the
 * VCEK/VLEK chain to a trusted ARK (cached) and its validity at {@code now}; the report signature (ECDSA P-384 over
 * bytes [0, 0x2A0), R and S little-endian); only then the signed contents: signer kind, TCB (the report's REPORTED_TCB
 * must equal the certificate's), chip id, product, and the policy.
 */
public final class SevSnpVerifier {

    private final AmdChainVerifier chains;
    private final AmdCrl crls = new AmdCrl();

    public SevSnpVerifier(AmdChainVerifier chains) {
        this.chains = Objects.requireNonNull(chains, "chains");
    }

    public SevSnpVerifier() {
        this(new AmdChainVerifier());
    }

    public AmdChainVerifier chains() {
        return chains;
    }

    public SevSnpClaims verify(
            Instant now, SevSnpEvidence evidence, SevSnpEndorsements endorsements, SevSnpPolicy policy)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsements, "endorsements");
        Objects.requireNonNull(policy, "policy");
        AttestationReport report;
        try {
            report = AttestationReport.parse(evidence.reportNoCopy());
        } catch (AttestationException e) {
            throw e.whileDoing("parsing the SEV-SNP report");
        }
        AmdChainVerifier.VerifiedChain chain;
        try {
            chain = chains.verify(now, endorsements, policy.trustedRoots());
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the VCEK/VLEK certificate chain");
        }
        try {
            if (endorsements.crlNoCopy() != null) {
                crls.check(now, endorsements.crlNoCopy(), chain, policy.crl());
            } else if (policy.crl() instanceof RevocationCheck.Required) {
                throw new AttestationException("the policy requires AMD's CRL for the product line and none was "
                        + "supplied (RA-TLS: the bundle staples no cpu-crl)");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("checking the VCEK/VLEK certificate chain against AMD's CRL");
        }
        try {
            verifySignature(report, chain);
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the SEV-SNP report signature");
        }
        TrustedArk root = policy.trustedRoots().stream()
                .filter(t -> t.sha256().equals(chain.arkSha256()))
                .findFirst()
                .orElseThrow(() -> new AttestationException("SEV-SNP: root vanished from policy"));
        TcbVersion tcb;
        try {
            tcb = checkSignedContents(report, chain, root.product());
        } catch (AttestationException e) {
            throw e.whileDoing(
                    "checking the signed report against its " + chain.leaf().kind() + " certificate");
        }
        try {
            checkPolicy(report, tcb, root.product(), policy);
        } catch (AttestationException e) {
            throw e.whileDoing("appraising the SEV-SNP report against the policy");
        }
        return new SevSnpClaims(
                root.product(),
                root.kind(),
                root.sha256(),
                chain.leaf().kind(),
                chain.leafSha256(),
                chain.leaf().productName(),
                report,
                tcb);
    }

    private static void verifySignature(AttestationReport report, AmdChainVerifier.VerifiedChain chain)
            throws AttestationException {
        byte[] digest;
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            sha384.update(report.rawBytes(), 0, AttestationReport.SIGNED_LENGTH);
            digest = sha384.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-384 is a mandatory JDK algorithm", e);
        }
        byte[] rs = report.signatureP1363();
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(rs, 0, 48));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, 48, 96));
        ECDSASigner ecdsa = new ECDSASigner();
        ecdsa.init(false, chain.leafKey());
        // verifySignature refuses r or s outside [1, n-1].
        if (!ecdsa.verifySignature(digest, r, s)) {
            throw new AttestationException("ECDSA P-384 signature over bytes [0, 0x2A0) does not verify with the "
                    + chain.leaf().kind() + " key (SHA-256 of certificate " + chain.leafSha256() + ")");
        }
    }

    private static TcbVersion checkSignedContents(
            AttestationReport report, AmdChainVerifier.VerifiedChain chain, ProductLine product)
            throws AttestationException {
        VcekCertificate leaf = chain.leaf();
        if (report.signingKey() != leaf.kind()) {
            throw AttestationException.mismatch("signer info SIGNING_KEY", leaf.kind(), report.signingKey());
        }
        TcbLayout layout = product.tcbLayout();
        if (report.version() < 3 && layout != TcbLayout.MILAN_GENOA) {
            throw new AttestationException(
                    "report version " + report.version() + " predates the " + product + " TCB layout");
        }
        if (report.version() >= 3 && report.cpuidFamily() != product.cpuidFamily()) {
            throw AttestationException.mismatch(
                    "CPUID_FAM_ID for " + product,
                    String.format("0x%02x", product.cpuidFamily()),
                    String.format("0x%02x", report.cpuidFamily()));
        }
        long reported = report.reportedTcbRaw();
        if (!layout.reservedBytesZero(reported)) {
            throw new AttestationException(String.format("REPORTED_TCB 0x%016x has non-zero reserved bytes", reported));
        }
        TcbVersion reportedTcb = layout.decode(reported);
        if (!reportedTcb.equals(leaf.tcb())) {
            throw AttestationException.mismatch(
                    "REPORTED_TCB against the " + leaf.kind() + " certificate's TCB", leaf.tcb(), reportedTcb);
        }
        if (leaf.kind() == SigningKey.VCEK && !report.maskChipKey()) {
            byte[] hwId = leaf.hwId().toByteArray();
            byte[] chipId = report.chipId();
            if (!Arrays.equals(hwId, 0, hwId.length, chipId, 0, hwId.length)) {
                throw AttestationException.mismatch(
                        "CHIP_ID against the VCEK hwID", Hex.format(hwId), Hex.format(chipId, 0, hwId.length));
            }
        }
        return leaf.tcb();
    }

    private static void checkPolicy(AttestationReport report, TcbVersion tcb, ProductLine product, SevSnpPolicy policy)
            throws AttestationException {
        GuestPolicy gp = report.policy();
        if (!gp.reservedBitSet()) {
            throw new AttestationException("POLICY bit 17 (reserved, must be one) is zero");
        }
        if (gp.migrateMa()) {
            throw new AttestationException(
                    "POLICY.MIGRATE_MA is set: a migration agent could export the guest's " + "memory; refused");
        }
        if (gp.debug() && policy.debug() == SevSnpPolicy.DebugGuests.REFUSE) {
            throw new AttestationException("POLICY.DEBUG is set: the hypervisor can read the guest's memory; refused");
        }
        if (policy.smt() == SevSnpPolicy.Smt.FORBIDDEN && report.smtEnabled()) {
            throw new AttestationException("PLATFORM_INFO.SMT_EN is set but the policy forbids SMT");
        }
        if (report.vmpl() > policy.maximumVmpl()) {
            throw AttestationException.mismatch("VMPL", "at most " + policy.maximumVmpl(), report.vmpl());
        }
        if (policy.minimumTcb() instanceof ReferenceValue.MinimumTcb(var min)) {
            SecurityVersion floor = min instanceof TcbFloors f
                    ? f.floor(product)
                            .orElseThrow(() -> new AttestationException(
                                    "the policy sets no TCB floor for " + product.kdsName() + "; refused"))
                    : min;
            if (!tcb.isAtLeast(floor)) {
                throw AttestationException.mismatch(
                        "TCB below minimum for " + product.kdsName(), "at least " + floor, tcb);
            }
        }
        digests("MEASUREMENT", policy.measurement(), report.measurement());
        digests("HOST_DATA", policy.hostData(), report.hostData());
        digests("REPORT_DATA", policy.reportData(), report.reportData());
    }

    private static void digests(String what, ReferenceValue rv, byte[] actual) throws AttestationException {
        if (rv instanceof ReferenceValue.Digests d && !d.matches(actual)) {
            throw AttestationException.mismatch(what, "one of " + d, Hex.format(actual));
        }
    }
}
