package dev.cloister.attest;

/** A platform's trusted-computing-base version, ordered component by component (for example SEV-SNP TCB_VERSION). */
public interface SecurityVersion {

    /** True when every component of this version is at least the corresponding component of {@code minimum}. */
    boolean isAtLeast(SecurityVersion minimum);
}
