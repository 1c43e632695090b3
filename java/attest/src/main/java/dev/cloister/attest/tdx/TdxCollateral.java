package dev.cloister.attest.tdx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Intel's PCS collateral for appraising a TDX quote's TCB level (RFC 9334 endorsements), as fetched from Intel's
 * Provisioning Certification Service (or a caching service) and passed in: nothing here is trusted before
 * {@link TdxVerifier} has checked it.
 *
 * <ul>
 * <li>{@code tcbInfo}: the body of {@code GET /tdx/certification/v4/tcb?fmspc=<FMSPC>} ({@code {"tcbInfo":…,
 * "signature":…}}), and {@code tcbInfoIssuerChain}: its {@code TCB-Info-Issuer-Chain} header, URL-decoded (PEM:
 * Intel SGX TCB Signing, Intel SGX Root CA);</li>
 * <li>{@code qeIdentity}: the body of {@code GET /tdx/certification/v4/qe/identity}, and
 * {@code qeIdentityIssuerChain}: its {@code SGX-Enclave-Identity-Issuer-Chain} header (PEM);</li>
 * <li>{@code pckCrl}: {@code GET /sgx/certification/v4/pckcrl?ca=platform|processor&encoding=der} for the CA that
 * issued the quote's PCK certificate (DER; its signer is that CA, which the quote's own chain carries);</li>
 * <li>{@code rootCrl}: the Intel SGX Root CA's CRL (DER, {@code https://certificates.trustedservices.intel.com/
 * IntelSGXRootCA.der}).</li>
 * </ul>
 */
public final class TdxCollateral {

    /** File names in a collateral directory ({@link #fromDirectory}). */
    public static final String TCB_INFO = "tcb_info.json";

    public static final String TCB_INFO_ISSUER_CHAIN = "tcb_info_issuer_chain.pem";
    public static final String QE_IDENTITY = "qe_identity.json";
    public static final String QE_IDENTITY_ISSUER_CHAIN = "qe_identity_issuer_chain.pem";
    public static final String PCK_CRL = "pck_crl.der";
    public static final String ROOT_CRL = "root_crl.der";

    private static final long MAX_FILE = 1024 * 1024;

    private final byte[] tcbInfo;
    private final byte[] tcbInfoIssuerChain;
    private final byte[] qeIdentity;
    private final byte[] qeIdentityIssuerChain;
    private final byte[] pckCrl;
    private final byte[] rootCrl;

    private TdxCollateral(
            byte[] tcbInfo,
            byte[] tcbInfoIssuerChain,
            byte[] qeIdentity,
            byte[] qeIdentityIssuerChain,
            byte[] pckCrl,
            byte[] rootCrl) {
        this.tcbInfo = tcbInfo;
        this.tcbInfoIssuerChain = tcbInfoIssuerChain;
        this.qeIdentity = qeIdentity;
        this.qeIdentityIssuerChain = qeIdentityIssuerChain;
        this.pckCrl = pckCrl;
        this.rootCrl = rootCrl;
    }

    public static TdxCollateral of(
            byte[] tcbInfo,
            byte[] tcbInfoIssuerChain,
            byte[] qeIdentity,
            byte[] qeIdentityIssuerChain,
            byte[] pckCrl,
            byte[] rootCrl) {
        return new TdxCollateral(
                copy(tcbInfo, "tcbInfo"),
                copy(tcbInfoIssuerChain, "tcbInfoIssuerChain"),
                copy(qeIdentity, "qeIdentity"),
                copy(qeIdentityIssuerChain, "qeIdentityIssuerChain"),
                copy(pckCrl, "pckCrl"),
                copy(rootCrl, "rootCrl"));
    }

    /**
     * Reads the six files {@value #TCB_INFO}, {@value #TCB_INFO_ISSUER_CHAIN}, {@value #QE_IDENTITY},
     * {@value #QE_IDENTITY_ISSUER_CHAIN}, {@value #PCK_CRL} and {@value #ROOT_CRL} from {@code dir} (each at most
     * 1 MiB).
     */
    public static TdxCollateral fromDirectory(Path dir) throws IOException {
        return new TdxCollateral(
                read(dir, TCB_INFO),
                read(dir, TCB_INFO_ISSUER_CHAIN),
                read(dir, QE_IDENTITY),
                read(dir, QE_IDENTITY_ISSUER_CHAIN),
                read(dir, PCK_CRL),
                read(dir, ROOT_CRL));
    }

    /**
     * The six parts in this order: TCB info, its issuer chain, QE identity, its issuer chain, PCK CRL, Root CA CRL (the
     * order of {@link #of} and of an RA-TLS evidence bundle's TDX collateral).
     */
    public List<byte[]> parts() {
        return List.of(
                tcbInfo.clone(),
                tcbInfoIssuerChain.clone(),
                qeIdentity.clone(),
                qeIdentityIssuerChain.clone(),
                pckCrl.clone(),
                rootCrl.clone());
    }

    /** Collateral from the six {@link #parts()}, in their order. */
    public static TdxCollateral ofParts(List<byte[]> parts) {
        if (parts.size() != 6) {
            throw new IllegalArgumentException("TDX collateral has 6 parts, got " + parts.size());
        }
        return of(parts.get(0), parts.get(1), parts.get(2), parts.get(3), parts.get(4), parts.get(5));
    }

    /** Writes the six files of {@link #fromDirectory} into {@code dir}. */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(TCB_INFO), tcbInfo);
        Files.write(dir.resolve(TCB_INFO_ISSUER_CHAIN), tcbInfoIssuerChain);
        Files.write(dir.resolve(QE_IDENTITY), qeIdentity);
        Files.write(dir.resolve(QE_IDENTITY_ISSUER_CHAIN), qeIdentityIssuerChain);
        Files.write(dir.resolve(PCK_CRL), pckCrl);
        Files.write(dir.resolve(ROOT_CRL), rootCrl);
    }

    private static byte[] read(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        if (Files.size(p) > MAX_FILE) {
            throw new IOException(p + " is larger than 1 MiB");
        }
        return Files.readAllBytes(p);
    }

    private static byte[] copy(byte[] b, String name) {
        return Objects.requireNonNull(b, name).clone();
    }

    byte[] tcbInfo() {
        return tcbInfo;
    }

    byte[] tcbInfoIssuerChain() {
        return tcbInfoIssuerChain;
    }

    byte[] qeIdentity() {
        return qeIdentity;
    }

    byte[] qeIdentityIssuerChain() {
        return qeIdentityIssuerChain;
    }

    byte[] pckCrl() {
        return pckCrl;
    }

    byte[] rootCrl() {
        return rootCrl;
    }

    /** Copies with one part replaced (tests of tampered collateral; callers building collateral piecewise). */
    public TdxCollateral withTcbInfo(byte[] body) {
        return of(body, tcbInfoIssuerChain, qeIdentity, qeIdentityIssuerChain, pckCrl, rootCrl);
    }

    public TdxCollateral withQeIdentity(byte[] body) {
        return of(tcbInfo, tcbInfoIssuerChain, body, qeIdentityIssuerChain, pckCrl, rootCrl);
    }

    public TdxCollateral withPckCrl(byte[] der) {
        return of(tcbInfo, tcbInfoIssuerChain, qeIdentity, qeIdentityIssuerChain, der, rootCrl);
    }

    public TdxCollateral withRootCrl(byte[] der) {
        return of(tcbInfo, tcbInfoIssuerChain, qeIdentity, qeIdentityIssuerChain, pckCrl, der);
    }

    @Override
    public String toString() {
        return "TdxCollateral[tcbInfo " + tcbInfo.length + " B, qeIdentity " + qeIdentity.length + " B, pckCrl "
                + pckCrl.length + " B, rootCrl " + rootCrl.length + " B]";
    }
}
