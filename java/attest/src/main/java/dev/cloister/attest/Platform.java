package dev.cloister.attest;

/** The evidence formats that Cloister knows. */
public enum Platform {
    /** AMD SEV-SNP ATTESTATION_REPORT (AMD pub. 56860), VCEK or VLEK signed. */
    SEV_SNP,
    /** Intel TDX DCAP quote v4/v5 (PCK chain and signatures; PCS collateral not evaluated yet). */
    TDX,
    /** NVIDIA Hopper confidential-computing GPU, SPDM GET_MEASUREMENTS (RIM comparison not implemented yet). */
    NVIDIA_GPU
}
