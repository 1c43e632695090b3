package dev.cloister.cli.soak;

import java.util.Locale;

/** The faults the soak injects, in the round-robin order it injects them. */
public enum FaultKind {
    /** SIGKILL one gateway replica (each in turn), then start it again on the same ports. */
    GATEWAY,
    /** SIGKILL the oldest enclave while sessions run, and start a new one that registers. */
    ENCLAVE,
    /** SIGKILL Redis (append-only file, fsync on every write) and start it again on the same files. */
    REDIS,
    /** SIGKILL the ledger and start it again on its data directory; every acknowledged entry must be there. */
    LEDGER,
    /** SIGSTOP the relay for a few seconds, then SIGCONT. */
    RELAY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
