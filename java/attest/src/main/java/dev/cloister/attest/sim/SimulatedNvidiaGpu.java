package dev.cloister.attest.sim;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaRoot;
import dev.cloister.base.Pem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A simulated NVIDIA Hopper CC GPU: a software P-384 root → leaf chain (the leaf carrying a TCG DICE FWID extension)
 * and SPDM 1.1 GET_MEASUREMENTS request ‖ MEASUREMENTS responses with NVIDIA's opaque data, in the exact layout of a
 * real H100 report, signed by the leaf. Kept in {@value #FILE} in a directory, generated at first use. Only a policy
 * that names {@link #root()} (as {@link #insecurePolicy()} does) accepts its reports.
 */
public final class SimulatedNvidiaGpu {

    static final String FILE = "sim-nvidia-gpu.pem";
    /** Simulated driver and VBIOS versions. */
    public static final String DRIVER_VERSION = "580.95.05";

    static final byte[] VBIOS = {0x00, 0x74, 0x00, (byte) 0x96, 0x1a, 0, 0, 0};
    static final int BLOCKS = 64;

    private final byte[] rootDer;
    private final byte[] leafDer;
    private final SimulatedPrivateKey leafKey;
    private final byte[] fwid;
    private final NvidiaRoot root;
    private final SimulatedPrivateKey rootKey;

    private SimulatedNvidiaGpu(
            byte[] rootDer, byte[] leafDer, SimulatedPrivateKey leafKey, byte[] fwid, SimulatedPrivateKey rootKey) {
        this.rootKey = rootKey;
        this.rootDer = rootDer;
        this.leafDer = leafDer;
        this.leafKey = leafKey;
        this.fwid = fwid;
        try {
            X509Certificate c = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(rootDer));
            this.root = new NvidiaRoot(RootKind.SIMULATED, c);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("simulated GPU root is unreadable", e);
        }
    }

    public static SimulatedNvidiaGpu openOrCreate(Path dir, Instant now, SecureRandom random) throws IOException {
        return load(SimulatorFiles.readOrCreate(dir, FILE, () -> generate(now, random)));
    }

    /**
     * Loads the simulated GPU kept in {@code dir}; never creates one ({@link java.nio.file.NoSuchFileException} when
     * it is missing: only the platform's own commands create roots).
     */
    public static SimulatedNvidiaGpu open(Path dir) throws IOException {
        return load(SimulatorFiles.read(dir, FILE));
    }

    private static SimulatedNvidiaGpu load(String text) {
        List<byte[]> b = SimulatorFiles.blocks(text, FILE);
        // Four blocks: written before the root key was kept (such a GPU cannot sign OCSP responses); five: with it.
        if ((b.size() != 4 && b.size() != 5) || b.get(3).length != 48) {
            throw new IllegalStateException(FILE + " is damaged: delete it to regenerate");
        }
        try {
            SimulatedPrivateKey k = SimulatedPrivateKey.fromPkcs8("EC", b.get(2));
            SimulatedPrivateKey r = b.size() == 5 ? SimulatedPrivateKey.fromPkcs8("EC", b.get(4)) : null;
            return new SimulatedNvidiaGpu(b.get(0), b.get(1), k, b.get(3), r);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(FILE + " holds an unreadable key", e);
        }
    }

    public NvidiaRoot root() {
        return root;
    }

    /** A policy trusting only this simulated root. Insecure: a simulated report proves nothing about a GPU. */
    public NvidiaGpuPolicy insecurePolicy() {
        return NvidiaGpuPolicy.genuineNvidia().withTrustedRoots(List.of(root));
    }

    /** The chain, leaf first, as NVML would return it (PEM). */
    public NvidiaGpuEndorsements endorsements() {
        try {
            return NvidiaGpuEndorsements.ofPem(
                    Pem.encodeCertificates(List.of(leafDer, rootDer)).getBytes(StandardCharsets.US_ASCII));
        } catch (AttestationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A signed report for {@code nonce} whose 64 measurement blocks are {@code measurements} (48 bytes each; block i+1
     * holds measurements[i]).
     */
    public NvidiaGpuEvidence report(byte[] nonce, byte[][] measurements, SecureRandom random) {
        if (nonce.length != 32 || measurements.length != BLOCKS) {
            throw new IllegalArgumentException("nonce 32 bytes, 64 measurements");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x11, (byte) 0xE0, 0x01, (byte) 0xFF});
        out.writeBytes(nonce);
        out.write(0);
        ByteBuffer record = ByteBuffer.allocate(BLOCKS * 55).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < BLOCKS; i++) {
            if (measurements[i].length != 48) {
                throw new IllegalArgumentException("measurement " + i + " is not 48 bytes");
            }
            record.put((byte) (i + 1))
                    .put((byte) 1)
                    .putShort((short) 51)
                    .put((byte) 1)
                    .putShort((short) 48)
                    .put(measurements[i]);
        }
        out.writeBytes(new byte[] {0x11, 0x60, 0, 0, (byte) BLOCKS});
        int l1 = record.position();
        out.writeBytes(new byte[] {(byte) l1, (byte) (l1 >> 8), (byte) (l1 >> 16)});
        out.writeBytes(record.array());
        byte[] responderNonce = new byte[32];
        random.nextBytes(responderNonce);
        out.writeBytes(responderNonce);
        ByteArrayOutputStream opaque = new ByteArrayOutputStream();
        tlv(opaque, 3, (DRIVER_VERSION + "\0").getBytes(StandardCharsets.US_ASCII));
        tlv(opaque, 6, VBIOS);
        tlv(opaque, 20, fwid);
        int l2 = opaque.size();
        out.writeBytes(new byte[] {(byte) l2, (byte) (l2 >> 8)});
        out.writeBytes(opaque.toByteArray());
        byte[] signed = out.toByteArray();
        try {
            Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
            s.initSign(leafKey.toPrivateKey(), random);
            s.update(signed);
            out.writeBytes(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-384 signing failed", e);
        }
        return NvidiaGpuEvidence.of(out.toByteArray());
    }

    private static void tlv(ByteArrayOutputStream o, int type, byte[] v) {
        o.writeBytes(new byte[] {(byte) type, (byte) (type >> 8), (byte) v.length, (byte) (v.length >> 8)});
        o.writeBytes(v);
    }

    private static String generate(Instant now, SecureRandom random) {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp384r1"), random);
            KeyPair root = ec.generateKeyPair();
            KeyPair leaf = ec.generateKeyPair();
            byte[] fwid = new byte[48];
            random.nextBytes(fwid);
            Date from = Date.from(now.minus(Duration.ofDays(1)));
            Date to = Date.from(now.plus(Duration.ofDays(25 * 365)));
            X500Principal rootName = new X500Principal(
                    "CN=Simulated Device Identity CA,O=Cloister simulated GPU - NOT NVIDIA - proves nothing");
            X500Principal leafName = new X500Principal(
                    "CN=Simulated GH100 GSP FMC LF,O=Cloister simulated GPU - NOT NVIDIA - proves nothing");
            X509v3CertificateBuilder rb =
                    new JcaX509v3CertificateBuilder(rootName, BigInteger.ONE, from, to, rootName, root.getPublic());
            rb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            rb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509v3CertificateBuilder lb =
                    new JcaX509v3CertificateBuilder(rootName, BigInteger.TWO, from, to, leafName, leaf.getPublic());
            lb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            ASN1EncodableVector fw = new ASN1EncodableVector();
            fw.add(new ASN1ObjectIdentifier("2.16.840.1.101.3.4.2.2"));
            fw.add(new DEROctetString(fwid));
            ASN1EncodableVector tcb = new ASN1EncodableVector();
            tcb.add(new ASN1Integer(1));
            tcb.add(new DERSequence(fw));
            lb.addExtension(new ASN1ObjectIdentifier("2.23.133.5.4.1"), false, new DERSequence(tcb));
            var signer = new JcaContentSignerBuilder("SHA384withECDSA").build(root.getPrivate());
            byte[] rootDer = rb.build(signer).getEncoded();
            byte[] leafDer = lb.build(signer).getEncoded();
            return Pem.encodeCertificates(List.of(rootDer, leafDer))
                    + Pem.encode("PRIVATE KEY", leaf.getPrivate().getEncoded())
                    + Pem.encode("FWID", fwid)
                    + Pem.encode("PRIVATE KEY", root.getPrivate().getEncoded());
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not generate the simulated GPU chain", e);
        }
    }

    /**
     * An OCSP response (RFC 6960, DER) about the simulated leaf certificate, signed by the simulated root (its issuer),
     * produced a day before {@code now} and valid for 7 days.
     *
     * @param revoked whether it says "revoked" (else "good")
     * @throws IllegalStateException if this GPU's directory predates the root key being kept (regenerate it)
     */
    public byte[] ocspResponse(Instant now, boolean revoked) {
        if (rootKey == null) {
            throw new IllegalStateException(FILE + " was written without the root key: delete it to regenerate");
        }
        try {
            var rootHolder = new org.bouncycastle.cert.X509CertificateHolder(rootDer);
            var leafHolder = new org.bouncycastle.cert.X509CertificateHolder(leafDer);
            var digests = new org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder().build();
            var id = new org.bouncycastle.cert.ocsp.CertificateID(
                    digests.get(org.bouncycastle.cert.ocsp.CertificateID.HASH_SHA1),
                    rootHolder,
                    leafHolder.getSerialNumber());
            var b = new org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder(
                    new org.bouncycastle.cert.ocsp.RespID(rootHolder.getSubject()));
            Date produced = Date.from(now.minus(Duration.ofDays(1)));
            b.addResponse(
                    id,
                    revoked
                            ? new org.bouncycastle.cert.ocsp.RevokedStatus(
                                    produced, org.bouncycastle.asn1.x509.CRLReason.keyCompromise)
                            : org.bouncycastle.cert.ocsp.CertificateStatus.GOOD,
                    produced,
                    Date.from(now.plus(Duration.ofDays(6))));
            var basic = b.build(
                    new JcaContentSignerBuilder("SHA384withECDSA").build(rootKey.toPrivateKey()), null, produced);
            return new org.bouncycastle.cert.ocsp.OCSPRespBuilder()
                    .build(org.bouncycastle.cert.ocsp.OCSPRespBuilder.SUCCESSFUL, basic)
                    .getEncoded();
        } catch (IOException
                | GeneralSecurityException
                | OperatorCreationException
                | org.bouncycastle.cert.ocsp.OCSPException e) {
            throw new IllegalStateException("could not sign the simulated OCSP response", e);
        }
    }
}
