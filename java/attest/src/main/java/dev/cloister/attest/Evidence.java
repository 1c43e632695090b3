package dev.cloister.attest;

/**
 * RFC 9334 §3.1 Evidence: what an attester produced about itself, in its vendor's format (an SEV-SNP
 * ATTESTATION_REPORT, a TDX quote, an NVIDIA SPDM measurement response). Nothing in it is trusted until verified.
 */
public interface Evidence {

    /** The platform whose format this evidence is in. */
    Platform platform();
}
