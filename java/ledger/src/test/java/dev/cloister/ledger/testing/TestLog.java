package dev.cloister.ledger.testing;

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

/**
 * A real log on disk with its witnesses, for the tests of the ledger and of its clients (the client module uses this
 * class through the ledger's test jar).
 */
public final class TestLog {

    public static final String ORIGIN = "ledger.cloister.example/test";
    public static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");

    public final Ed25519NoteSigner key;
    public final List<Cosigner> witnesses = new ArrayList<>();
    public final Sequencer sequencer;

    public final String origin;

    /** A log of origin {@link #ORIGIN} with three witnesses. */
    public TestLog(Path dir) throws Exception {
        this(dir, ORIGIN, 3);
    }

    public TestLog(Path dir, String origin, int witnessCount) throws Exception {
        SecureRandom random = new SecureRandom();
        this.origin = origin;
        key = Ed25519NoteSigner.generate(origin, random);
        for (int i = 1; i <= witnessCount; i++) {
            witnesses.add(new Cosigner("witness" + i + ".example", Ed25519PrivateKey.generate(random)));
        }
        sequencer = Sequencer.open(LogStorage.open(dir), origin, key);
    }

    /** A second log in {@code dir} with the same log key and witnesses: a fork when its entries differ. */
    public TestLog(Path dir, TestLog sameKeysAs) throws Exception {
        origin = sameKeysAs.origin;
        key = sameKeysAs.key;
        witnesses.addAll(sameKeysAs.witnesses);
        sequencer = Sequencer.open(LogStorage.open(dir), origin, key);
    }

    /** Appends {@code count} entries that differ from {@link #entry}. */
    public void appendOther(int count) throws Exception {
        List<byte[]> batch = new ArrayList<>();
        for (long i = sequencer.size(); i < sequencer.size() + count; i++) {
            batch.add(("forked " + i).getBytes());
        }
        sequencer.append(batch);
    }

    public static byte[] entry(long i) {
        return ("entry " + i).getBytes();
    }

    /** Appends entries {@code "entry <i>"} up to {@code size} in one batch. */
    public void growTo(long size) throws Exception {
        List<byte[]> batch = new ArrayList<>();
        for (long i = sequencer.size(); i < size; i++) {
            batch.add(entry(i));
        }
        sequencer.append(batch);
    }

    /** The current checkpoint cosigned at {@code time} by the given witnesses (0-based). */
    public SignedNote cosigned(Instant time, int... which) {
        SignedNote note = sequencer.checkpoint();
        for (int w : which) {
            note = note.withSignature(witnesses.get(w).cosign(note.text(), time));
        }
        return note;
    }

    public WitnessPolicy twoOfThree() {
        return WitnessPolicy.quorum(
                2, witnesses.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1));
    }

    /** Every witness must cosign; checkpoints at most {@code maxAge} old. */
    public WitnessPolicy allOf(Duration maxAge) {
        return WitnessPolicy.quorum(
                witnesses.size(), witnesses.stream().map(Cosigner::verifier).toList(), maxAge);
    }

    /** The log's identity as a client pins it. */
    public LogIdentity identity() {
        return new LogIdentity(origin, key.verifier());
    }

    /**
     * Appends the entries, has {@code cosigning} cosign at {@code cosignedAt}, publishes that checkpoint, and returns each
     * entry's proof carrying the entry.
     */
    public List<TlogProof> publish(List<byte[]> entries, List<Cosigner> cosigning, Instant cosignedAt)
            throws Exception {
        Sequencer.Appended appended = sequencer.append(entries);
        SignedNote checkpoint = appended.checkpoint();
        for (Cosigner witness : cosigning) {
            checkpoint = checkpoint.withSignature(witness.cosign(checkpoint.text(), cosignedAt));
        }
        sequencer.publishCosigned(checkpoint);
        List<TlogProof> proofs = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            proofs.add(sequencer.tlogProof(
                    appended.firstIndex() + i, Optional.of(dev.cloister.base.Bytes.of(entries.get(i)))));
        }
        return proofs;
    }
}
