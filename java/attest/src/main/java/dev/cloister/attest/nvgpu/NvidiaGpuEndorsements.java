package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.Endorsements;
import dev.cloister.attest.Platform;
import dev.cloister.base.MalformedPemException;
import dev.cloister.base.Pem;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPU's device certificate chain, leaf first, as NVML returns it
 * ({@code nvmlDeviceGetConfComputeGpuCertificate}, attestation chain; PEM). Verified against a pinned root, never
 * trusted as given.
 */
public final class NvidiaGpuEndorsements implements Endorsements {

    static final int MAX_CERTIFICATES = 8;
    static final int MAX_CERTIFICATE_BYTES = 8 * 1024;

    private final List<byte[]> chain;
    private final List<byte[]> ocspResponses;

    private NvidiaGpuEndorsements(List<byte[]> chain) {
        this(chain, List.of());
    }

    private NvidiaGpuEndorsements(List<byte[]> chain, List<byte[]> ocspResponses) {
        this.chain = chain;
        this.ocspResponses = ocspResponses;
    }

    /**
     * These endorsements plus OCSP responses (RFC 6960, DER, as NVIDIA's OCSP service returns them) for every
     * certificate of the chain below the root, leaf first: the verifier then refuses a revoked or unknown certificate
     * and a response that is not current or not signed by the certificate's issuer (or a responder it delegated to).
     */
    public NvidiaGpuEndorsements withOcspResponses(List<byte[]> responses) throws AttestationException {
        if (responses.size() != chain.size() - 1) {
            throw AttestationException.mismatch(
                    "OCSP responses (one per certificate below the root)", chain.size() - 1, responses.size());
        }
        List<byte[]> copy = new ArrayList<>();
        for (byte[] r : responses) {
            if (r.length > NvidiaOcsp.MAX_BYTES) {
                throw new AttestationException("OCSP response larger than " + NvidiaOcsp.MAX_BYTES + " bytes");
            }
            copy.add(r.clone());
        }
        return new NvidiaGpuEndorsements(chain, List.copyOf(copy));
    }

    List<byte[]> ocspResponsesNoCopy() {
        return ocspResponses;
    }

    /** From PEM text (leaf first). */
    public static NvidiaGpuEndorsements ofPem(byte[] pem) throws AttestationException {
        if (pem == null) {
            throw new AttestationException("GPU certificate chain: missing");
        }
        List<byte[]> out;
        try {
            out = Pem.certificates(Pem.decode(
                    pem, new Pem.Limits(MAX_CERTIFICATES * (MAX_CERTIFICATE_BYTES * 4 / 3 + 200), MAX_CERTIFICATES)));
        } catch (MalformedPemException e) {
            throw new AttestationException("GPU certificate chain: " + e.getMessage(), e);
        }
        for (byte[] der : out) {
            if (der.length > MAX_CERTIFICATE_BYTES) {
                throw new AttestationException("GPU certificate chain: certificate too large");
            }
        }
        return new NvidiaGpuEndorsements(List.copyOf(out));
    }

    List<byte[]> chainNoCopy() {
        return chain;
    }

    public List<byte[]> chain() {
        return chain.stream().map(byte[]::clone).toList();
    }

    @Override
    public Platform platform() {
        return Platform.NVIDIA_GPU;
    }
}
