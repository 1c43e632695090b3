package dev.cloister.client.keys;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.note.SignatureType;
import dev.cloister.ledger.note.VerifierKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Which releases a client may accept, besides their being in the ledger: those signed by one of its release keys
 * (held by whoever vouches for the software, apart from the operator's submitter key), and in the log for at least
 * {@code quarantine}, so that monitors have had that long to see a release before any client runs it.
 *
 * @param releaseKeys the Ed25519 release keys (note verifier keys, {@code name+keyid+base64}); at least one
 * @param quarantine how long a release must have been in the log, as dated by a witnessed checkpoint that holds it;
 *     {@link Duration#ZERO} waives the wait (a demo), it never waives the other checks
 */
public record ReleaseTrust(List<VerifierKey> releaseKeys, Duration quarantine) {

    /** The quarantine clients apply unless told otherwise. */
    public static final Duration DEFAULT_QUARANTINE = Duration.ofHours(1);

    public ReleaseTrust {
        releaseKeys = List.copyOf(releaseKeys);
        if (releaseKeys.isEmpty()) {
            throw new IllegalArgumentException(
                    "no release key: a client accepts only releases its release keys signed");
        }
        for (VerifierKey k : releaseKeys) {
            if (k.type() != SignatureType.ED25519) {
                throw new IllegalArgumentException("release key " + k.name() + " is not an Ed25519 key");
            }
        }
        Objects.requireNonNull(quarantine, "quarantine");
        if (quarantine.isNegative()) {
            throw new IllegalArgumentException("negative release quarantine " + quarantine);
        }
    }

    /** The release keys with the default quarantine of one hour. */
    public static ReleaseTrust of(List<VerifierKey> releaseKeys) {
        return new ReleaseTrust(releaseKeys, DEFAULT_QUARANTINE);
    }

    /** The raw 32-byte public keys. */
    List<Bytes> publicKeys() {
        return releaseKeys.stream().map(VerifierKey::publicKey).toList();
    }
}
