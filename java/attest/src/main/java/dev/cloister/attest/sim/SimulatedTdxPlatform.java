package dev.cloister.attest.sim;

import dev.cloister.attest.tdx.QuotingEnclave;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import dev.cloister.base.Pem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A simulated Intel TDX platform for machines without one: a software "SGX Root CA" → "PCK Platform CA" → PCK
 * certificate chain (ECDSA P-256, the PCK certificate carrying Intel's SGX extensions), a software "TCB Signing"
 * certificate, and DCAP quotes (version 4) in the real byte layout: attestation-key signature over header ‖ body, QE
 * report signed by the PCK key and bound to the attestation key. It also produces PCS collateral in Intel's formats
 * (signed TCB info and QE identity JSON, PCK and Root CA CRLs), so that the whole TDX path of
 * {@link dev.cloister.attest.tdx.TdxVerifier} runs on it.
 *
 * <p>Keys and certificates are generated at first use and kept in {@code dir/}{@value #FILE} (private keys included:
 * it is a simulator). Only a policy that trusts its root ({@link #insecurePolicy()}) accepts its quotes;
 * {@link TdxPolicy#genuineIntel()} refuses them.
 */
public final class SimulatedTdxPlatform {

    static final String FILE = "sim-tdx.pem";
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    private static final String ORG = "O=Cloister simulated TDX platform - NOT INTEL - proves nothing,C=US";
    private static final String SGX = "1.2.840.113741.1.13.1";
    /** The simulated platform's FMSPC and PCE-ID. */
    public static final String FMSPC = "c10000000000";

    public static final String PCE_ID = "0000";
    /** SGX TCB components and PCESVN in the simulated PCK certificate. */
    static final int[] SGX_COMPONENTS = {4, 4, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};

    static final int PCE_SVN = 13;
    /** TEE_TCB_SVN of simulated quotes: TDX module SVN 7, major version 1 (identity TDX_01), microcode 3. */
    static final byte[] TEE_TCB_SVN = Hex.parse("07010300000000000000000000000000");
    /** The simulated QE: MRSIGNER, ISVPRODID 2, ISVSVN 4, ATTRIBUTES. */
    static final byte[] QE_MRSIGNER = Hex.parse("51e1a7ed0000000000000000000000000000000000000000000000000000c015");

    static final int QE_ISVSVN = 4;
    static final byte[] QE_ATTRIBUTES = Hex.parse("1500000000000000e700000000000000");
    private static final byte[] INTEL_QE_VENDOR = Hex.parse("939a7233f79c4ca9940a0db3957f0607");

    private final List<byte[]> certs;
    private final SimulatedPrivateKey rootKey;
    private final SimulatedPrivateKey pckCaKey;
    private final SimulatedPrivateKey pckKey;
    private final SimulatedPrivateKey tcbSigningKey;
    private final PublicKey attestationPublicKey;
    private final SimulatedPrivateKey attestationKey;
    private final SecureRandom random;

    private SimulatedTdxPlatform(
            List<byte[]> certs, List<SimulatedPrivateKey> keys, PublicKey attestationPublic, SecureRandom random) {
        this.certs = certs;
        this.rootKey = keys.get(0);
        this.pckCaKey = keys.get(1);
        this.pckKey = keys.get(2);
        this.tcbSigningKey = keys.get(3);
        this.attestationPublicKey = attestationPublic;
        this.attestationKey = keys.get(4);
        this.random = random;
    }

    /** Loads the simulated platform kept in {@code dir}, or generates one there, valid from {@code now} minus a day. */
    public static SimulatedTdxPlatform openOrCreate(Path dir, Instant now, SecureRandom random) throws IOException {
        return load(SimulatorFiles.readOrCreate(dir, FILE, () -> generate(now, random)), random);
    }

    /** SHA-256 (hex) of the simulated root certificate: the root to trust, explicitly, to accept these quotes. */
    public String rootSha256() {
        try {
            return Hex.format(MessageDigest.getInstance("SHA-256").digest(certs.get(0)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A policy that trusts only this simulated root (debug TDs refused, everything else skipped). Only for
     * {@code --insecure-simulated-tee}: a simulated quote proves nothing about the machine that produced it.
     */
    public TdxPolicy insecurePolicy() {
        return TdxPolicy.genuineIntel().withTrustedRoots(List.of(rootSha256())).withQuotingEnclave(quotingEnclave());
    }

    /** The simulated quoting enclave: Intel's identity with the simulator's MRSIGNER. */
    public static QuotingEnclave quotingEnclave() {
        QuotingEnclave intel = QuotingEnclave.intelTdQe();
        return new QuotingEnclave(
                Bytes.of(QE_MRSIGNER),
                intel.isvProdId(),
                intel.miscSelect(),
                intel.miscSelectMask(),
                intel.attributes(),
                intel.attributesMask());
    }

    /** The PCK certificate's serial number (to revoke it in a test CRL). */
    public BigInteger pckSerial() {
        return certificate(3).getSerialNumber();
    }

    /**
     * The registers a simulated TD reports: MRTD (48 bytes) and RTMR0..3 (48 bytes each), those of the image and host
     * platform it stands for.
     */
    public record TdRegisters(byte[] mrTd, List<byte[]> rtmrs) {
        public TdRegisters {
            mrTd = Objects.requireNonNull(mrTd, "mrTd").clone();
            rtmrs = Objects.requireNonNull(rtmrs, "rtmrs").stream()
                    .map(byte[]::clone)
                    .toList();
            if (mrTd.length != 48 || rtmrs.size() != 4 || rtmrs.stream().anyMatch(r -> r.length != 48)) {
                throw new IllegalArgumentException("MRTD and four RTMRs of 48 bytes each");
            }
        }

        /**
         * The registers of a simulated TD that runs the build whose measurement is {@code measurement} (48 bytes) on
         * the simulated host: MRTD and RTMR0 those of the simulated TDVF and host (fixed), RTMR1 and RTMR2 derived from
         * the measurement (standing for the kernel and the command line and initrd), RTMR3 zero (nothing extended at
         * run time).
         */
        public static TdRegisters standingFor(byte[] measurement) {
            if (measurement.length != 48) {
                throw new IllegalArgumentException("measurement is 48 bytes, got " + measurement.length);
            }
            return new TdRegisters(
                    sha384("cloister simulated TDVF"),
                    List.of(
                            sha384("cloister simulated TDX host"),
                            sha384("cloister simulated RTMR1", measurement),
                            sha384("cloister simulated RTMR2", measurement),
                            new byte[48]));
        }

        /** The release's view of the host platform: MRTD and RTMR0 (ledger release format v3). */
        public dev.cloister.ledger.entry.TdxPlatform releasePlatform() {
            return new dev.cloister.ledger.entry.TdxPlatform(
                    "simulated TDX host", "simulated TDVF", Bytes.of(mrTd), Bytes.of(rtmrs.get(0)));
        }

        /** The release's own registers: RTMR1 and RTMR2. */
        public dev.cloister.ledger.entry.TdxRuntime releaseRuntime() {
            return new dev.cloister.ledger.entry.TdxRuntime(Bytes.of(rtmrs.get(1)), Bytes.of(rtmrs.get(2)));
        }

        @Override
        public byte[] mrTd() {
            return mrTd.clone();
        }

        @Override
        public List<byte[]> rtmrs() {
            return rtmrs.stream().map(byte[]::clone).toList();
        }
    }

    /** A version-4 quote with the given REPORTDATA (64 bytes), MRTD (48) and RTMR0..3 (48 each). */
    public TdxEvidence quote(byte[] reportData, byte[] mrTd, List<byte[]> rtmrs, boolean debug) {
        Objects.requireNonNull(reportData, "reportData");
        Objects.requireNonNull(mrTd, "mrTd");
        if (reportData.length != 64
                || mrTd.length != 48
                || rtmrs.size() != 4
                || rtmrs.stream().anyMatch(r -> r.length != 48)) {
            throw new IllegalArgumentException("reportData 64, mrTd 48, four RTMRs of 48 bytes");
        }
        try {
            ByteBuffer hb = ByteBuffer.allocate(48 + 584).order(ByteOrder.LITTLE_ENDIAN);
            hb.putShort((short) 4)
                    .putShort((short) 2)
                    .putInt(0x81)
                    .putInt(0)
                    .put(INTEL_QE_VENDOR)
                    .put(new byte[20]);
            hb.put(TEE_TCB_SVN);
            hb.put(sha384("cloister simulated TDX module")); // MRSEAM
            hb.put(new byte[48]); // MRSIGNERSEAM: Intel's module
            hb.put(new byte[8]); // SEAMATTRIBUTES
            byte[] tdAttributes = new byte[8];
            tdAttributes[0] = (byte) (debug ? 1 : 0);
            tdAttributes[3] = 0x10; // SEPT_VE_DISABLE, as real TDs set it
            hb.put(tdAttributes);
            hb.put(Hex.parse("e702060000000000")); // XFAM
            hb.put(mrTd).put(new byte[48]).put(new byte[48]).put(new byte[48]);
            for (byte[] r : rtmrs) {
                hb.put(r);
            }
            hb.put(reportData);
            byte[] signed = hb.array();

            byte[] attKey = rawPoint((ECPublicKey) attestationPublicKey);
            byte[] authData = new byte[32];
            for (int i = 0; i < 32; i++) {
                authData[i] = (byte) i;
            }
            byte[] qeReport = new byte[384];
            System.arraycopy(Hex.parse("04040d0f03ff00030000000000000000"), 0, qeReport, 0, 16);
            System.arraycopy(QE_ATTRIBUTES, 0, qeReport, 48, 16);
            System.arraycopy(
                    sha256("cloister simulated TD quoting enclave".getBytes(StandardCharsets.US_ASCII)),
                    0,
                    qeReport,
                    64,
                    32);
            System.arraycopy(QE_MRSIGNER, 0, qeReport, 128, 32);
            qeReport[256] = 2;
            qeReport[258] = (byte) QE_ISVSVN;
            System.arraycopy(sha256(attKey, authData), 0, qeReport, 320, 32);

            byte[] chainPem = Pem.encodeCertificates(List.of(certs.get(3), certs.get(1), certs.get(0)))
                    .getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream sd = new ByteArrayOutputStream();
            sd.write(sign(attestationKey, signed));
            sd.write(attKey);
            ByteBuffer inner =
                    ByteBuffer.allocate(384 + 64 + 2 + 32 + 6 + chainPem.length).order(ByteOrder.LITTLE_ENDIAN);
            inner.put(qeReport)
                    .put(sign(pckKey, qeReport))
                    .putShort((short) 32)
                    .put(authData)
                    .putShort((short) 5)
                    .putInt(chainPem.length)
                    .put(chainPem);
            sd.write(le16(6));
            sd.write(le32(inner.capacity()));
            sd.write(inner.array());
            byte[] sigData = sd.toByteArray();
            ByteArrayOutputStream q = new ByteArrayOutputStream();
            q.write(signed);
            q.write(le32(sigData.length));
            q.write(sigData);
            return TdxEvidence.of(q.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collateral for {@code now}: TCB info (top level UpToDate), QE identity, empty CRLs, all current. */
    public TdxEndorsements endorsements(Instant now) {
        return TdxEndorsements.withCollateral(collateral(now, TcbStatus.UP_TO_DATE, false));
    }

    /**
     * PCS collateral issued a day before {@code now} and valid for 30 days.
     *
     * @param topLevel the status of the TCB info level that the simulated platform matches
     * @param revokePck whether the PCK CRL revokes the simulated PCK certificate
     */
    public TdxCollateral collateral(Instant now, TcbStatus topLevel, boolean revokePck) {
        Instant issued = now.minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        Instant next = issued.plus(Duration.ofDays(30));
        String zeros48 = "00".repeat(48);
        String comps = components(SGX_COMPONENTS);
        String tdx = components(new int[] {7, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        String tcbInfo = "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"" + issued + "\",\"nextUpdate\":\"" + next
                + "\",\"fmspc\":\"" + FMSPC + "\",\"pceId\":\"" + PCE_ID + "\",\"tcbType\":0,"
                + "\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" + zeros48 + "\",\"attributes\":"
                + "\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tdxModuleIdentities\":[{\"id\":"
                + "\"TDX_01\",\"mrsigner\":\"" + zeros48 + "\",\"attributes\":\"0000000000000000\",\"attributesMask\":"
                + "\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":[{\"tcb\":{\"isvsvn\":7},\"tcbDate\":\"2026-01-01T00:00:00Z\","
                + "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2024-01-01T00:00:00Z\","
                + "\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"SIM-SA-00002\"]}]}],\"tcbLevels\":["
                + "{\"tcb\":{\"sgxtcbcomponents\":" + comps + ",\"pcesvn\":" + PCE_SVN + ",\"tdxtcbcomponents\":" + tdx
                + "},\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"" + topLevel.pcsName() + "\""
                + (topLevel == TcbStatus.UP_TO_DATE ? "" : ",\"advisoryIDs\":[\"SIM-SA-00001\"]") + "},"
                + "{\"tcb\":{\"sgxtcbcomponents\":" + components(new int[16]) + ",\"pcesvn\":0,\"tdxtcbcomponents\":"
                + components(new int[16]) + "},\"tcbDate\":\"2018-01-04T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
                + "\"advisoryIDs\":[\"SIM-SA-00002\"]}]}";
        String qeIdentity = "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"" + issued + "\",\"nextUpdate\":\"" + next
                + "\",\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                + "\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":"
                + "\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"" + Hex.formatUpperCase(QE_MRSIGNER)
                + "\",\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":"
                + "\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}";
        String issuerChain = Pem.encodeCertificates(List.of(certs.get(2), certs.get(0)));
        return TdxCollateral.of(
                signPcs("tcbInfo", tcbInfo),
                issuerChain.getBytes(StandardCharsets.US_ASCII),
                signPcs("enclaveIdentity", qeIdentity),
                issuerChain.getBytes(StandardCharsets.US_ASCII),
                crl(1, issued, next, revokePck ? pckSerial() : null),
                crl(0, issued, next, null));
    }

    /**
     * A PCS response {@code {"<name>":<object>,"signature":"<hex>"}} for the given object JSON, signed by the
     * simulated TCB Signing key over the object's exact bytes (tests use it to make TCB info a verifier must refuse).
     */
    public byte[] signPcs(String name, String objectJson) {
        byte[] body = objectJson.getBytes(StandardCharsets.UTF_8);
        String sig = Hex.format(sign(tcbSigningKey, body));
        return ("{\"" + name + "\":" + objectJson + ",\"signature\":\"" + sig + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] crl(int issuerIndex, Instant thisUpdate, Instant nextUpdate, BigInteger revoked) {
        try {
            X509Certificate issuer = certificate(issuerIndex);
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(issuer.getSubjectX500Principal(), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            if (revoked != null) {
                b.addCRLEntry(revoked, Date.from(thisUpdate), CRLReason.keyCompromise);
            }
            SimulatedPrivateKey key = issuerIndex == 0 ? rootKey : pckCaKey;
            return b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                            .setProvider(BC)
                            .build(key.toPrivateKey()))
                    .getEncoded();
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not sign a simulated CRL", e);
        }
    }

    private X509Certificate certificate(int i) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(certs.get(i)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(FILE + " holds an unreadable certificate", e);
        }
    }

    private static String components(int[] svns) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < svns.length; i++) {
            s.append(i == 0 ? "" : ",").append("{\"svn\":").append(svns[i]).append('}');
        }
        return s.append(']').toString();
    }

    private static String generate(Instant now, SecureRandom random) {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair root = ec.generateKeyPair();
            KeyPair pckCa = ec.generateKeyPair();
            KeyPair tcbSigning = ec.generateKeyPair();
            KeyPair pck = ec.generateKeyPair();
            KeyPair att = ec.generateKeyPair();
            Date from = Date.from(now.minus(Duration.ofDays(1)));
            Date rootTo = Date.from(now.plus(Duration.ofDays(25 * 365)));
            Date leafTo = Date.from(now.plus(Duration.ofDays(7 * 365)));
            X500Principal rootName = new X500Principal("CN=Simulated SGX Root CA," + ORG);
            X500Principal caName = new X500Principal("CN=Simulated SGX PCK Platform CA," + ORG);
            X500Principal tcbName = new X500Principal("CN=Simulated SGX TCB Signing," + ORG);
            X500Principal pckName = new X500Principal("CN=Simulated SGX PCK Certificate," + ORG);
            byte[] rootDer = sign(
                    ca(
                            new JcaX509v3CertificateBuilder(
                                    rootName, serial(random), from, rootTo, rootName, root.getPublic()),
                            1),
                    root.getPrivate());
            byte[] caDer = sign(
                    ca(
                            new JcaX509v3CertificateBuilder(
                                    rootName, serial(random), from, rootTo, caName, pckCa.getPublic()),
                            0),
                    root.getPrivate());
            X509v3CertificateBuilder tb = new JcaX509v3CertificateBuilder(
                    rootName, serial(random), from, leafTo, tcbName, tcbSigning.getPublic());
            tb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            byte[] tcbDer = sign(tb, root.getPrivate());
            X509v3CertificateBuilder pb =
                    new JcaX509v3CertificateBuilder(caName, serial(random), from, leafTo, pckName, pck.getPublic());
            pb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            pb.addExtension(new ASN1ObjectIdentifier(SGX), false, sgxExtension(random));
            byte[] pckDer = sign(pb, pckCa.getPrivate());
            return Pem.encodeCertificates(List.of(rootDer, caDer, tcbDer, pckDer))
                    + key(root)
                    + key(pckCa)
                    + key(pck)
                    + key(tcbSigning)
                    + key(att)
                    + Pem.encode("PUBLIC KEY", att.getPublic().getEncoded());
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not generate the simulated TDX platform", e);
        }
    }

    private static X509v3CertificateBuilder ca(X509v3CertificateBuilder b, int pathLength) throws IOException {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLength));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return b;
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(159, random).setBit(152);
    }

    private static DERSequence sgxExtension(SecureRandom random) {
        ASN1EncodableVector tcb = new ASN1EncodableVector();
        for (int i = 0; i < 16; i++) {
            tcb.add(pair(SGX + ".2." + (i + 1), new ASN1Integer(SGX_COMPONENTS[i])));
        }
        tcb.add(pair(SGX + ".2.17", new ASN1Integer(PCE_SVN)));
        byte[] cpuSvn = new byte[16];
        for (int i = 0; i < 16; i++) {
            cpuSvn[i] = (byte) SGX_COMPONENTS[i];
        }
        tcb.add(pair(SGX + ".2.18", new DEROctetString(cpuSvn)));
        byte[] ppid = new byte[16];
        random.nextBytes(ppid);
        ASN1EncodableVector top = new ASN1EncodableVector();
        top.add(pair(SGX + ".1", new DEROctetString(ppid)));
        top.add(pair(SGX + ".2", new DERSequence(tcb)));
        top.add(pair(SGX + ".3", new DEROctetString(Hex.parse(PCE_ID))));
        top.add(pair(SGX + ".4", new DEROctetString(Hex.parse(FMSPC))));
        top.add(pair(SGX + ".5", new ASN1Enumerated(0)));
        return new DERSequence(top);
    }

    private static DERSequence pair(String oid, org.bouncycastle.asn1.ASN1Encodable v) {
        return new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(oid), v});
    }

    private static byte[] sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, IOException {
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                        .setProvider(BC)
                        .build(key))
                .getEncoded();
    }

    private byte[] sign(SimulatedPrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(key.toPrivateKey(), random);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-256 signing failed", e);
        }
    }

    private static SimulatedTdxPlatform load(String text, SecureRandom random) {
        List<byte[]> blocks = SimulatorFiles.blocks(text, FILE);
        if (blocks.size() != 10) {
            throw new IllegalStateException(FILE + " is damaged: delete it to regenerate");
        }
        try {
            List<SimulatedPrivateKey> keys = new ArrayList<>();
            for (int i = 4; i < 9; i++) {
                keys.add(SimulatedPrivateKey.fromPkcs8("EC", blocks.get(i)));
            }
            PublicKey att = KeyFactory.getInstance("EC")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(blocks.get(9)));
            return new SimulatedTdxPlatform(List.copyOf(blocks.subList(0, 4)), keys, att, random);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(FILE + " holds an unreadable key", e);
        }
    }

    private static byte[] rawPoint(ECPublicKey k) {
        byte[] out = new byte[64];
        byte[] x = k.getW().getAffineX().toByteArray();
        byte[] y = k.getW().getAffineY().toByteArray();
        System.arraycopy(x, Math.max(0, x.length - 32), out, 32 - Math.min(32, x.length), Math.min(32, x.length));
        System.arraycopy(y, Math.max(0, y.length - 32), out, 64 - Math.min(32, y.length), Math.min(32, y.length));
        return out;
    }

    private static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha384(String s) {
        try {
            return MessageDigest.getInstance("SHA-384").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha384(String label, byte[] value) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-384");
            d.update(label.getBytes(StandardCharsets.US_ASCII));
            return d.digest(value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] le16(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8)};
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static String key(KeyPair k) {
        return Pem.encode("PRIVATE KEY", k.getPrivate().getEncoded());
    }
}
