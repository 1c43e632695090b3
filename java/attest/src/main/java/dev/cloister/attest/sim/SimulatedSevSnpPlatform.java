package dev.cloister.attest.sim;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.attest.sevsnp.AttestationReport;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.attest.sevsnp.TrustedArk;
import dev.cloister.base.Hex;
import dev.cloister.base.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.BigIntegers;

/**
 * A simulated SEV-SNP platform for machines without one: a software ARK → ASK → VCEK chain in AMD's formats
 * (RSASSA-PSS SHA-384, a P-384 VCEK with AMD's extensions, product "Genoa") and ATTESTATION_REPORTs (version 3) signed
 * by that VCEK, byte for byte in the layout of real ones, so that they go through the same verifier.
 *
 * <p>The chain is generated at first use and kept in a directory (one file, {@value #FILE}, private keys included:
 * it is a simulator). Its root is a {@link RootKind#SIMULATED} {@link TrustedArk}: only a policy that names it, such as
 * {@link #insecurePolicy()}, accepts these reports; {@link SevSnpPolicy#genuineAmd()} refuses them.
 */
public final class SimulatedSevSnpPlatform {

    static final String FILE = "sim-sev-snp.pem";
    /** BouncyCastle's provider as an object (never installed process-wide): it signs the simulated certificates. */
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    static final ProductLine PRODUCT = ProductLine.GENOA;
    /** The simulated firmware's TCB: bootloader 9, TEE 0, SNP 21, microcode 72 (Genoa-like values). */
    public static final TcbVersion TCB = TcbVersion.milanGenoa(9, 0, 21, 72);

    private static final String ORG = "O=Cloister simulated SEV-SNP platform - NOT AMD - proves nothing,OU=Engineering";
    private static final String ARC = "1.3.6.1.4.1.3704.1.";

    private final byte[] arkDer;
    private final byte[] askDer;
    private final byte[] vcekDer;
    private final SimulatedPrivateKey vcekKey;
    private final byte[] chipId;
    private final SecureRandom random;
    private final TrustedArk root;
    private final SimulatedPrivateKey arkKey;

    private SimulatedSevSnpPlatform(
            byte[] arkDer,
            byte[] askDer,
            byte[] vcekDer,
            SimulatedPrivateKey vcekKey,
            byte[] chipId,
            SimulatedPrivateKey arkKey,
            SecureRandom random) {
        this.arkKey = arkKey;
        this.arkDer = arkDer;
        this.askDer = askDer;
        this.vcekDer = vcekDer;
        this.vcekKey = vcekKey;
        this.chipId = chipId;
        this.random = random;
        try {
            this.root = TrustedArk.of(PRODUCT, RootKind.SIMULATED, arkDer);
        } catch (AttestationException e) {
            throw new IllegalStateException("simulated ARK is unreadable", e);
        }
    }

    /**
     * Loads the simulated platform kept in {@code dir}, or generates one there (RSA-4096 ARK and ASK, P-384 VCEK; this
     * takes a few seconds) valid from {@code now} minus a day for 25 years.
     */
    public static SimulatedSevSnpPlatform openOrCreate(Path dir, Instant now, SecureRandom random) throws IOException {
        return load(SimulatorFiles.readOrCreate(dir, FILE, () -> generate(now, random)), random);
    }

    /**
     * Loads the simulated platform kept in {@code dir}; never creates one (a verifier trusts roots that the platform's
     * own commands made, and a missing directory is a mistake to report, {@link java.nio.file.NoSuchFileException}).
     */
    public static SimulatedSevSnpPlatform open(Path dir, SecureRandom random) throws IOException {
        return load(SimulatorFiles.read(dir, FILE), random);
    }

    /** The root to trust, explicitly, to accept this platform's reports. */
    public TrustedArk root() {
        return root;
    }

    /**
     * A policy that trusts only this simulated root (debug and migration refused, everything else skipped). Only for
     * {@code --insecure-simulated-tee}: a simulated report proves nothing about the machine that produced it.
     */
    public SevSnpPolicy insecurePolicy() {
        return SevSnpPolicy.genuineAmd().withTrustedRoots(List.of(root));
    }

    /** The VCEK certificate and the ASK/ARK chain, as a real platform's endorsements. */
    public SevSnpEndorsements endorsements() {
        try {
            return SevSnpEndorsements.of(
                    vcekDer, Pem.encodeCertificates(List.of(askDer, arkDer)).getBytes(StandardCharsets.US_ASCII));
        } catch (AttestationException e) {
            throw new IllegalStateException("simulated endorsements are unreadable", e);
        }
    }

    /** The extended-report certificate table (configfs-tsm auxblob) holding VCEK, ASK and ARK. */
    public byte[] certificateTable() {
        java.util.Map<java.util.UUID, byte[]> m = new java.util.LinkedHashMap<>();
        m.put(dev.cloister.attest.sevsnp.SevSnpCertificateTable.VCEK, vcekDer);
        m.put(dev.cloister.attest.sevsnp.SevSnpCertificateTable.ASK, askDer);
        m.put(dev.cloister.attest.sevsnp.SevSnpCertificateTable.ARK, arkDer);
        return dev.cloister.attest.sevsnp.SevSnpCertificateTable.encode(m);
    }

    public byte[] vcekDer() {
        return vcekDer.clone();
    }

    /** An ATTESTATION_REPORT (version 3, Genoa CPUID, VCEK-signed) with the requested contents. */
    public SevSnpEvidence report(SimulatedReportRequest request) {
        byte[] r = new byte[AttestationReport.SIZE];
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        long tcb = TCB.raw();
        long reported =
                request.reportedTcb() == null ? tcb : request.reportedTcb().raw();
        b.putInt(0x000, 3);
        b.putLong(0x008, request.guestPolicy());
        b.putInt(0x030, request.vmpl());
        b.putInt(0x034, 1);
        b.putLong(0x038, tcb);
        b.putLong(0x040, request.platformInfo());
        b.putInt(0x048, 0);
        b.put(0x050, request.reportData().toByteArray());
        b.put(0x090, request.measurement().toByteArray());
        b.put(0x0C0, request.hostData().toByteArray());
        byte[] reportId = new byte[32];
        random.nextBytes(reportId);
        b.put(0x140, reportId);
        byte[] ff = new byte[32];
        java.util.Arrays.fill(ff, (byte) 0xff);
        b.put(0x160, ff);
        b.putLong(0x180, reported);
        r[0x188] = 0x19;
        r[0x189] = 0x11;
        r[0x18A] = 0x01;
        b.put(0x1A0, chipId);
        b.putLong(0x1E0, tcb);
        r[0x1E8] = 7;
        r[0x1E9] = 55;
        r[0x1EA] = 1;
        r[0x1EC] = 7;
        r[0x1ED] = 55;
        r[0x1EE] = 1;
        b.putLong(0x1F0, tcb);
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            sha384.update(r, 0, AttestationReport.SIGNED_LENGTH);
            BigInteger[] rs = vcekKey.signP384(sha384.digest(), random);
            byte[] sigR = BigIntegers.asUnsignedByteArray(48, rs[0]);
            byte[] sigS = BigIntegers.asUnsignedByteArray(48, rs[1]);
            for (int i = 0; i < 48; i++) { // R and S little-endian, each in a 72-byte field
                r[0x2A0 + i] = sigR[47 - i];
                r[0x2A0 + 72 + i] = sigS[47 - i];
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-384 signing failed", e);
        }
        return SevSnpEvidence.of(r);
    }

    private static String generate(Instant now, SecureRandom random) {
        try {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(4096, random);
            KeyPair ark = rsa.generateKeyPair();
            KeyPair ask = rsa.generateKeyPair();
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp384r1"), random);
            KeyPair vcek = ec.generateKeyPair();
            byte[] chipId = new byte[64];
            random.nextBytes(chipId);

            Date from = Date.from(now.minus(Duration.ofDays(1)));
            Date rootTo = Date.from(now.plus(Duration.ofDays(25 * 365)));
            Date vcekTo = Date.from(now.plus(Duration.ofDays(7 * 365)));
            X500Principal arkName = new X500Principal("CN=ARK-" + PRODUCT.kdsName() + "," + ORG);
            X500Principal askName = new X500Principal("CN=SEV-" + PRODUCT.kdsName() + "," + ORG);
            X500Principal vcekName = new X500Principal("CN=SEV-VCEK," + ORG);

            byte[] arkDer = sign(
                    new JcaX509v3CertificateBuilder(arkName, BigInteger.ONE, from, rootTo, arkName, ark.getPublic()),
                    ark.getPrivate());
            byte[] askDer = sign(
                    new JcaX509v3CertificateBuilder(arkName, BigInteger.TWO, from, rootTo, askName, ask.getPublic()),
                    ark.getPrivate());
            X509v3CertificateBuilder vb =
                    new JcaX509v3CertificateBuilder(askName, BigInteger.ZERO, from, vcekTo, vcekName, vcek.getPublic());
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "1"), false, new ASN1Integer(0));
            vb.addExtension(
                    new ASN1ObjectIdentifier(ARC + "2"), false, (ASN1IA5String) new DERIA5String(PRODUCT.kdsName()));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.1"), false, new ASN1Integer(TCB.bootloader()));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.2"), false, new ASN1Integer(TCB.tee()));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.4"), false, new ASN1Integer(0));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.5"), false, new ASN1Integer(0));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.6"), false, new ASN1Integer(0));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.7"), false, new ASN1Integer(0));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.3"), false, new ASN1Integer(TCB.snp()));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "3.8"), false, new ASN1Integer(TCB.microcode()));
            vb.addExtension(new ASN1ObjectIdentifier(ARC + "4"), false, chipId);
            byte[] vcekDer = sign(vb, ask.getPrivate());

            return Pem.encodeCertificates(List.of(arkDer, askDer, vcekDer))
                    + Pem.encode("PRIVATE KEY", vcek.getPrivate().getEncoded())
                    + Pem.encode("CHIP ID", chipId)
                    + Pem.encode("PRIVATE KEY", ark.getPrivate().getEncoded());
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not generate the simulated SEV-SNP chain", e);
        }
    }

    private static byte[] sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, IOException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA384withRSAandMGF1")
                .setProvider(BC)
                .build(key);
        return builder.build(signer).getEncoded();
    }

    private static SimulatedSevSnpPlatform load(String text, SecureRandom random) {
        List<byte[]> blocks = SimulatorFiles.blocks(text, FILE);
        // Five blocks: written before the ARK key was kept (such a platform cannot sign CRLs); six: with the ARK key.
        if ((blocks.size() != 5 && blocks.size() != 6) || blocks.get(4).length != 64) {
            throw new IllegalStateException(FILE + " is damaged: delete it to regenerate");
        }
        try {
            SimulatedPrivateKey vcekKey = SimulatedPrivateKey.fromPkcs8("EC", blocks.get(3));
            SimulatedPrivateKey arkKey =
                    blocks.size() == 6 ? SimulatedPrivateKey.fromPkcs8("RSA", blocks.get(5)) : null;
            return new SimulatedSevSnpPlatform(
                    blocks.get(0), blocks.get(1), blocks.get(2), vcekKey, blocks.get(4), arkKey, random);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(FILE + " holds an unreadable VCEK key", e);
        }
    }

    /**
     * A CRL in the format of AMD's KDS {@code /vcek/v1/<product>/crl} (DER, signed by the simulated ARK with
     * RSASSA-PSS SHA-384), current from a day before {@code now} for 30 days, revoking the simulated ASK and/or VCEK.
     *
     * @throws IllegalStateException if this platform's directory predates the ARK key being kept (regenerate it)
     */
    public byte[] crl(Instant now, boolean revokeAsk, boolean revokeVcek) {
        if (arkKey == null) {
            throw new IllegalStateException(FILE + " was written without the ARK key: delete it to regenerate");
        }
        try {
            java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
            java.security.cert.X509Certificate ark = (java.security.cert.X509Certificate)
                    cf.generateCertificate(new java.io.ByteArrayInputStream(arkDer));
            Date from = Date.from(now.minus(Duration.ofDays(1)));
            org.bouncycastle.cert.X509v2CRLBuilder b =
                    new org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder(ark.getSubjectX500Principal(), from);
            b.setNextUpdate(Date.from(now.plus(Duration.ofDays(29))));
            if (revokeAsk) {
                b.addCRLEntry(BigInteger.TWO, from, org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
            }
            if (revokeVcek) {
                b.addCRLEntry(BigInteger.ZERO, from, org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA384withRSAandMGF1")
                    .setProvider(BC)
                    .build(arkKey.toPrivateKey());
            return b.build(signer).getEncoded();
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not sign the simulated CRL", e);
        }
    }

    /** Hex of the simulated chip id (the VCEK hwID). */
    public String chipIdHex() {
        return Hex.format(chipId);
    }
}
