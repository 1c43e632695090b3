package dev.cloister.ledger.monitor;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.merkle.HashStore;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.tiles.EntryBundle;
import dev.cloister.ledger.tiles.EntryBundleId;
import dev.cloister.ledger.tiles.TilePath;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.tiles.TileSource;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A certificate-transparency-style monitor of a Cloister ledger: it reads every entry the log holds (entry bundles,
 * c2sp.org/tlog-tiles), checks that they hash to the root of a checkpoint signed by the log and cosigned by the witness
 * quorum, that each new checkpoint extends the one seen before ({@link LogVerifier}: across runs when its store is
 * durable), and applies the key rules ({@link KeyUniqueness}) to every key entry, reporting each violation with its
 * index. Call {@link #poll} again to follow the log: only the entries added since are read.
 */
public final class LogMonitor {

    /** An entry that breaks a rule. */
    public record Violation(long index, String reason) {}

    /** What the monitor has checked so far. */
    public record Report(Checkpoint checkpoint, long entries, long undecodable, List<Violation> violations) {
        public Report {
            violations = List.copyOf(violations);
        }
    }

    private final LogVerifier verifier;
    private final TileSource source;
    private final TileReader tiles;
    private final KeyUniqueness rules;
    private final List<byte[]> leafHashes = new ArrayList<>();
    private final List<Violation> violations = new ArrayList<>();
    private long undecodable;

    public LogMonitor(LogVerifier verifier, TileSource source, KeyUniqueness rules) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.source = Objects.requireNonNull(source, "source");
        this.tiles = new TileReader(source);
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    /**
     * Fetches the log's checkpoint, verifies it and its consistency with the last one seen, then reads and checks the
     * entries added since the last poll.
     *
     * @throws LedgerException when the checkpoint does not verify, is not consistent (fork, rollback), or the entries
     *         do not hash to its root
     */
    public synchronized Report poll(Instant now) throws LedgerException, IOException {
        SignedNote note = SignedNote.parse(source.fetch("checkpoint"));
        Checkpoint checkpoint = verifier.acceptLatest(note, tiles, now).checkpoint();
        long size = checkpoint.size();
        if (size < leafHashes.size()) {
            throw new ProofException("the log's checkpoint of size " + size + " is below the " + leafHashes.size()
                    + " entries already read");
        }
        forEachEntry(source, leafHashes.size(), size, this::check);
        byte[] root = MerkleTree.rootHash(new LeafHashes(leafHashes), size);
        if (!Arrays.equals(root, checkpoint.rootHash().toByteArray())) {
            throw new ProofException("the log's entries hash to " + dev.cloister.base.Hex.format(root)
                    + ", not to the root " + checkpoint.rootHash().hex() + " of its checkpoint of size " + size);
        }
        return new Report(checkpoint, size, undecodable, violations);
    }

    private void check(long index, byte[] entry) {
        leafHashes.add(TreeHash.leafHash(entry));
        LedgerEntry decoded;
        try {
            decoded = LedgerEntry.decode(entry);
        } catch (FormatException | RuntimeException e) {
            undecodable++;
            return;
        }
        rules.violation(decoded).ifPresent(reason -> violations.add(new Violation(index, reason)));
        rules.admit(index, decoded);
    }

    /** Receives the entries of a log in order. */
    @FunctionalInterface
    public interface EntryConsumer {
        void accept(long index, byte[] entry) throws IOException, LedgerException;
    }

    /**
     * Reads entries {@code from} to {@code size - 1} of a log whose tree has {@code size} leaves, one entry bundle at a
     * time. The entries are not checked against any root here: {@link #poll} does that.
     */
    public static void forEachEntry(TileSource source, long from, long size, EntryConsumer consumer)
            throws IOException, LedgerException {
        long next = from;
        while (next < size) {
            EntryBundleId id = EntryBundleId.forEntry(next, size);
            EntryBundle bundle = bundle(source, id);
            long base = id.index() << 8;
            for (int k = (int) (next - base); k < id.width(); k++) {
                consumer.accept(base + k, bundle.entry(k));
            }
            next = base + id.width();
        }
    }

    /** An entry bundle; a missing partial bundle is cut from the full one, as tlog-tiles allows. */
    private static EntryBundle bundle(TileSource source, EntryBundleId id) throws IOException, FormatException {
        try {
            return EntryBundle.parse(id, source.fetch(id.path()));
        } catch (NoSuchFileException e) {
            if (id.isFull()) throw e;
            EntryBundleId full = new EntryBundleId(id.index(), TilePath.FULL_WIDTH);
            EntryBundle whole = EntryBundle.parse(full, source.fetch(full.path()));
            return new EntryBundle(whole.entries().subList(0, id.width()));
        }
    }

    /** Subtree hashes computed from the leaf hashes read so far (RFC 9162 §2.1.1). */
    // byte[]: a private view of the monitor's growing leaf list for HashStore, which reads byte[]; no copy per poll
    private record LeafHashes(List<byte[]> leaves) implements HashStore {
        @Override
        public byte[] node(int height, long index) {
            if (height == 0) return leaves.get(Math.toIntExact(index));
            return TreeHash.nodeHash(node(height - 1, 2 * index), node(height - 1, 2 * index + 1));
        }
    }
}
