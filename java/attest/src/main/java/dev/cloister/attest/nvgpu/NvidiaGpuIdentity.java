package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What tells one physical GPU from another in its evidence, so that a multi-GPU enclave cannot count one GPU twice:
 * its attestation key (the public key of the chain's leaf, which signs the reports and which only that GPU holds) and
 * its device certificate (the leaf's issuer when that is not the chain's root: on Hopper the per-device "GSP BROM"
 * certificate, whose serial number is the device's unique id). Two GPUs that share either are the same GPU.
 *
 * @param attestationKeySha256 SHA-256 of the leaf's SubjectPublicKeyInfo
 * @param deviceCertificate the device certificate's issuer and serial number, when the chain has one below its root
 */
public record NvidiaGpuIdentity(Bytes attestationKeySha256, Optional<String> deviceCertificate) {

    public NvidiaGpuIdentity {
        Objects.requireNonNull(attestationKeySha256, "attestationKeySha256");
        Objects.requireNonNull(deviceCertificate, "deviceCertificate");
    }

    /** The identity of the GPU whose chain is {@code endorsements} (parsed, not verified: appraise it first). */
    public static NvidiaGpuIdentity of(NvidiaGpuEndorsements endorsements) throws AttestationException {
        List<byte[]> chain = endorsements.chainNoCopy();
        if (chain.isEmpty()) {
            throw new AttestationException("GPU certificate chain: empty");
        }
        X509Certificate leaf = x509(chain.getFirst());
        Optional<String> device = Optional.empty();
        if (chain.size() > 2) {
            X509Certificate d = x509(chain.get(1));
            device = Optional.of(d.getIssuerX500Principal().getName() + " serial "
                    + d.getSerialNumber().toString(16));
        }
        return new NvidiaGpuIdentity(Bytes.of(sha256(leaf.getPublicKey().getEncoded())), device);
    }

    /**
     * Refuses a list of GPUs (GPU 0 first) in which two are the same GPU, naming both and what they share.
     *
     * @throws AttestationException "GPU i and GPU j are the same GPU: ..."
     */
    public static void requireDistinct(List<NvidiaGpuEndorsements> gpus) throws AttestationException {
        List<NvidiaGpuIdentity> ids = new java.util.ArrayList<>(gpus.size());
        for (NvidiaGpuEndorsements g : gpus) {
            ids.add(of(g));
        }
        for (int j = 1; j < ids.size(); j++) {
            for (int i = 0; i < j; i++) {
                NvidiaGpuIdentity a = ids.get(i);
                NvidiaGpuIdentity b = ids.get(j);
                if (a.attestationKeySha256.equals(b.attestationKeySha256)) {
                    throw new AttestationException("GPU " + i + " and GPU " + j
                            + " are the same GPU: the same attestation key (leaf SPKI SHA-256 "
                            + a.attestationKeySha256.hex() + ")");
                }
                if (a.deviceCertificate.isPresent() && a.deviceCertificate.equals(b.deviceCertificate)) {
                    throw new AttestationException("GPU " + i + " and GPU " + j
                            + " are the same GPU: the same device certificate (" + a.deviceCertificate.get() + ")");
                }
            }
        }
    }

    private static X509Certificate x509(byte[] der) throws AttestationException {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AttestationException("GPU certificate chain: not an X.509 certificate", e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }
}
