package dev.cloister.ledger.witness;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.NoteSignature;
import java.time.Instant;

/**
 * A witness's signing side of c2sp.org/tlog-cosignature (Ed25519, cosignature/v1). The caller (the witness server)
 * must only cosign checkpoints it has verified to be consistent with everything it cosigned before.
 */
public final class Cosigner {

    private final String name;
    private final Ed25519PrivateKey key;
    private final CosignatureVerifier verifier;

    public Cosigner(String name, Ed25519PrivateKey key) {
        this.name = name;
        this.key = key;
        this.verifier = new CosignatureVerifier(name, key.publicKey().encoded());
    }

    /** Cosigns the checkpoint note text (final newline included, no signature lines) at {@code time}. */
    public NoteSignature cosign(byte[] checkpointText, Instant time) {
        long t = time.getEpochSecond();
        byte[] sig = key.sign(CosignatureV1.message(t, checkpointText));
        byte[] out = new byte[CosignatureV1.SIGNATURE_SIZE];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (t >>> (56 - 8 * i));
        }
        System.arraycopy(sig, 0, out, 8, 64);
        return new NoteSignature(name, verifier.keyId(), Bytes.of(out));
    }

    public String name() {
        return name;
    }

    public CosignatureVerifier verifier() {
        return verifier;
    }

    @Override
    public String toString() {
        return "Cosigner[" + verifier + "]";
    }
}
