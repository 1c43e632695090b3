package dev.cloister.attest.ratls;

import dev.cloister.attest.RaTlsBinding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The REPORT_DATA that binds one hardware report to TLS handshakes, for each way RA-TLS uses it (RA-TLS.md, "Binding").
 * Each variant has its own label, so a value made for one can never be read as another.
 *
 * <pre>
 * server, one report per handshake:  SHA-512("cloister/ra-tls/v1"        ‖ client_random ‖ SHA-256(SPKI) ‖ SHA-256(GPU))
 * server, batched:                   SHA-512("cloister/ra-tls-batch/v1"  ‖ merkle_root   ‖ SHA-256(SPKI) ‖ SHA-256(GPU))
 * client (mutual RA-TLS):            SHA-512("cloister/ra-tls-client/v1" ‖ server_random ‖ SHA-256(SPKI) ‖ SHA-256(GPU))
 * </pre>
 *
 * GPU is the GPU evidence bytes exactly as carried in the bundle (empty when the enclave has none); with several GPUs,
 * the canonical CBOR array of every GPU's report ({@code EvidenceBundle.gpuCommitment}). The first line is
 * DESIGN.md step 4, computed by {@link RaTlsBinding#reportData}.
 */
public final class HandshakeBinding {

    static final byte[] BATCH_LABEL = "cloister/ra-tls-batch/v1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLIENT_LABEL = "cloister/ra-tls-client/v1".getBytes(StandardCharsets.US_ASCII);

    private HandshakeBinding() {}

    /** DESIGN.md step 4: the server's report for one handshake. */
    public static byte[] server(byte[] clientRandom, byte[] spki, byte[] gpuEvidence) {
        return RaTlsBinding.reportData(clientRandom, spki, gpuEvidence);
    }

    /** The server's report for a batch whose Merkle tree (RA-TLS.md, "Batching") has root {@code merkleRoot}. */
    public static byte[] serverBatch(byte[] merkleRoot, byte[] spki, byte[] gpuEvidence) {
        return labelled(BATCH_LABEL, merkleRoot, spki, gpuEvidence);
    }

    /** The client's report in mutual RA-TLS: the server chose the nonce (its ServerHello.random). */
    public static byte[] client(byte[] serverRandom, byte[] spki, byte[] gpuEvidence) {
        return labelled(CLIENT_LABEL, serverRandom, spki, gpuEvidence);
    }

    private static byte[] labelled(byte[] label, byte[] nonce, byte[] spki, byte[] gpuEvidence) {
        if (nonce.length != 32) {
            throw new IllegalArgumentException("the bound nonce is 32 bytes, got " + nonce.length);
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(label);
            sha512.update(nonce);
            sha512.update(sha256.digest(spki));
            sha512.update(sha256.digest(gpuEvidence));
            return sha512.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 and SHA-512 are mandatory JDK algorithms", e);
        }
    }
}
