package dev.cloister.ledger.testing;

import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A log on disk with three witnesses, for tests. */
public final class TestLog {

    public static final String ORIGIN = "ledger.cloister.example/test";
    public static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");

    public final Ed25519NoteSigner key;
    public final List<Cosigner> witnesses = new ArrayList<>();
    public final Sequencer sequencer;

    public TestLog(Path dir) throws Exception {
        SecureRandom random = new SecureRandom();
        key = Ed25519NoteSigner.generate(ORIGIN, random);
        for (int i = 1; i <= 3; i++) {
            witnesses.add(new Cosigner("witness" + i + ".example", Ed25519PrivateKey.generate(random)));
        }
        sequencer = Sequencer.open(LogStorage.open(dir), ORIGIN, key);
    }

    /** A second log in {@code dir} with the same log key and witnesses: a fork when its entries differ. */
    public TestLog(Path dir, TestLog sameKeysAs) throws Exception {
        key = sameKeysAs.key;
        witnesses.addAll(sameKeysAs.witnesses);
        sequencer = Sequencer.open(LogStorage.open(dir), ORIGIN, key);
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
        return WitnessPolicy.quorum(2, witnesses.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1));
    }
}
