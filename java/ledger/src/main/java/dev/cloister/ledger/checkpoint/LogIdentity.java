package dev.cloister.ledger.checkpoint;

import dev.cloister.ledger.note.NoteVerifier;

/**
 * What a client trusts about one log: its checkpoint origin line and the key that signs its checkpoints
 * (c2sp.org/tlog-checkpoint §"Signatures"; tlog-proof §"Verifying a tlog proof" step 2).
 */
public record LogIdentity(String origin, NoteVerifier key) {

    public LogIdentity {
        if (origin.isEmpty()) {
            throw new IllegalArgumentException("empty log origin");
        }
        if (key == null) {
            throw new IllegalArgumentException("no log key for " + origin);
        }
    }
}
