package dev.cloister.operator.keys;

import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.tiles.TileSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The release proofs a key directory serves at {@code /releases/proofs}: each release (or revocation) as it was logged,
 * whose checkpoint the witnesses cosigned when the entry was new (what dates it for a client's quarantine), and the
 * same entry under the ledger's current checkpoint, rebuilt from the ledger's tiles on every refresh (what a client's
 * witness policy finds recent). The directory needs no trust: it cannot forge either proof, and clients verify both.
 */
public final class ReleaseProofs {

    private final List<TlogProof> logged;
    private final TileSource ledger;

    /**
     * @param logged each entry's proof as the ledger answered its submission (the entry in its extra data)
     * @param ledger the ledger's checkpoint and tiles
     */
    public ReleaseProofs(List<TlogProof> logged, TileSource ledger) {
        this.logged = List.copyOf(logged);
        for (TlogProof p : this.logged) {
            if (p.extra().isEmpty()) {
                throw new IllegalArgumentException("release proof " + p.index() + " does not carry its entry");
            }
        }
        if (2 * this.logged.size() > KeyProofs.MAX_PROOFS) {
            throw new IllegalArgumentException(this.logged.size() + " release proofs, at most "
                    + KeyProofs.MAX_PROOFS / 2 + " (each is served twice)");
        }
        this.ledger = Objects.requireNonNull(ledger);
    }

    /** The logged proofs alone (before the first refresh). */
    public KeyProofs logged() {
        return new KeyProofs(logged);
    }

    /**
     * The logged proofs and, for each, a proof under the ledger's current checkpoint (blocking: reads the ledger).
     *
     * @throws ProofException if the ledger's checkpoint does not hold an entry, or its tiles name another entry there
     */
    public KeyProofs refreshed() throws IOException, LedgerException {
        TileReader reader = new TileReader(ledger);
        SignedNote note = SignedNote.parse(reader.checkpoint());
        Checkpoint checkpoint = Checkpoint.parse(note.text());
        List<TlogProof> out = new ArrayList<>(logged);
        for (TlogProof p : logged) {
            if (p.index() >= checkpoint.size()) {
                throw new ProofException("while refreshing release proofs: the ledger's checkpoint of size "
                        + checkpoint.size() + " does not hold entry " + p.index());
            }
            byte[] entry = p.extra().orElseThrow().toByteArray();
            if (!Arrays.equals(reader.leafHash(p.index(), checkpoint.size()), TreeHash.leafHash(entry))) {
                throw new ProofException(
                        "while refreshing release proofs: the ledger holds another entry at index " + p.index());
            }
            out.add(TlogProof.of(reader.inclusionProof(p.index(), checkpoint), note, p.extra()));
        }
        return new KeyProofs(out);
    }
}
