package dev.cloister.attest;

/** Who holds a trusted root's private key. */
public enum RootKind {
    /** A vendor root pinned in the platform code (for SEV-SNP, {@code ProductLine}). */
    VENDOR,
    /** Cloister's simulated platform: a software key on a development machine. Proves nothing about hardware. */
    SIMULATED
}
