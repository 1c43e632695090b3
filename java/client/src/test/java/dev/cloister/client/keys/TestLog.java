package dev.cloister.client.keys;

import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A real log for the key-consistency tests: a sequencer on disk and two witnesses that cosign at {@code now - 5 s}. */
final class TestLog {
    private final String origin;
    private final Instant now;
    private final Ed25519NoteSigner logKey;
    private final Sequencer sequencer;
    private final List<Cosigner> witnesses = new ArrayList<>();

    TestLog(Path dir, String origin, Instant now, SecureRandom random) throws Exception {
        this.origin = origin;
        this.now = now;
        this.logKey = new Ed25519NoteSigner(origin, Ed25519PrivateKey.generate(random));
        this.sequencer = Sequencer.open(LogStorage.open(dir.resolve("log")), origin, logKey);
        for (int i = 0; i < 2; i++) {
            witnesses.add(new Cosigner("witness-" + i + ".example", Ed25519PrivateKey.generate(random)));
        }
    }

    List<Cosigner> witnesses() {
        return witnesses;
    }

    LogIdentity identity() {
        return new LogIdentity(origin, logKey.verifier());
    }

    /** Both witnesses required, checkpoints at most 10 minutes old. */
    WitnessPolicy policy() {
        return WitnessPolicy.quorum(2, witnesses.stream().map(Cosigner::verifier).toList(), Duration.ofMinutes(10));
    }

    /** Appends the entries, has {@code cosigning} cosign, and returns each entry's proof carrying the entry. */
    List<TlogProof> publish(List<byte[]> entries, List<Cosigner> cosigning) throws Exception {
        Sequencer.Appended appended = sequencer.append(entries);
        SignedNote checkpoint = appended.checkpoint();
        for (Cosigner witness : cosigning) {
            checkpoint = checkpoint.withSignature(witness.cosign(checkpoint.text(), now.minusSeconds(5)));
        }
        sequencer.publishCosigned(checkpoint);
        List<TlogProof> proofs = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            proofs.add(sequencer.tlogProof(appended.firstIndex() + i, Optional.of(entries.get(i))));
        }
        return proofs;
    }

    List<TlogProof> publish(List<byte[]> entries) throws Exception {
        return publish(entries, witnesses);
    }
}
