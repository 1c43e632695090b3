package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.base.Hex;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A root that GPU device certificate chains may end in. The {@link RootKind#VENDOR} root is NVIDIA's "NVIDIA Device
 * Identity CA", pinned by the SHA-256 of its DER (from NVIDIA/nvtrust {@code verifier_device_root.pem}; see
 * PROVENANCE.md next to the resource).
 *
 * @param kind VENDOR (NVIDIA) or SIMULATED
 * @param certificate the self-signed root certificate
 */
public record NvidiaRoot(RootKind kind, X509Certificate certificate) {

    /** SHA-256 of the NVIDIA Device Identity CA certificate (DER). */
    public static final String DEVICE_IDENTITY_CA_SHA256 =
            "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";

    private static final NvidiaRoot DEVICE_IDENTITY_CA = load();

    public NvidiaRoot {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(certificate, "certificate");
        if (kind == RootKind.VENDOR && !DEVICE_IDENTITY_CA_SHA256.equals(sha256(certificate))) {
            throw new IllegalArgumentException(
                    "not NVIDIA's pinned Device Identity CA: SHA-256 " + sha256(certificate));
        }
    }

    /** NVIDIA's pinned device identity root. */
    public static NvidiaRoot deviceIdentityCa() {
        return DEVICE_IDENTITY_CA;
    }

    public String sha256() {
        return sha256(certificate);
    }

    static String sha256(X509Certificate c) {
        try {
            return Hex.format(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static NvidiaRoot load() {
        try (InputStream in = NvidiaRoot.class.getResourceAsStream("verifier_device_root.pem")) {
            if (in == null) {
                throw new IllegalStateException("missing resource verifier_device_root.pem");
            }
            byte[] der = NvidiaGpuEndorsements.ofPem(in.readNBytes(16 * 1024))
                    .chainNoCopy()
                    .getFirst();
            X509Certificate c = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            return new NvidiaRoot(RootKind.VENDOR, c);
        } catch (IOException | GeneralSecurityException | AttestationException e) {
            throw new IllegalStateException("bundled NVIDIA root is unreadable", e);
        }
    }
}
