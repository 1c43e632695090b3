package dev.cloister.ledger.log;

import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.ConsistencyProof;
import dev.cloister.ledger.merkle.ConsistencyProofSource;
import dev.cloister.ledger.merkle.HashStore;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.NoteSigner;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.EntryBundle;
import dev.cloister.ledger.tiles.EntryBundleId;
import dev.cloister.ledger.tiles.Tile;
import dev.cloister.ledger.tiles.TileHashStore;
import dev.cloister.ledger.tiles.TileId;
import dev.cloister.ledger.tiles.TilePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The writer of a tiled log (c2sp.org/tlog-tiles) on a {@link LogStorage}: appends batches of entries, writes the
 * entry bundles and hash tiles each batch fills or extends, then signs and writes the new checkpoint
 * (c2sp.org/tlog-checkpoint). {@link #append} returns only once the batch and its checkpoint are durable, so an
 * acknowledged entry survives a crash at any later moment; a crash during a batch leaves the previous checkpoint,
 * whose tiles are all on disk.
 * <p>
 * In memory it keeps only the rightmost partial tile of each level and the partial entry bundle (a few KiB), from
 * which the root of any new size follows. Not safe for several processes on one directory; thread-safe within one:
 * appends are serialized, while readers ({@link #checkpoint}, proofs, entries) use the last durable head without
 * waiting for an append in progress.
 */
public final class Sequencer implements ConsistencyProofSource {

    /** What an {@link #append} made durable. */
    public record Appended(long firstIndex, int count, SignedNote checkpoint, Checkpoint tree) {}

    private final LogStorage storage;
    private final String origin;
    private final NoteSigner signer;
    private final LogIdentity identity;

    private final List<List<byte[]>> levels = new ArrayList<>();
    private final List<byte[]> bundle = new ArrayList<>();
    private long size;
    /** The latest durable tree head and its signed note, published together; read without locking. */
    private record Head(Checkpoint tree, SignedNote note) {}

    private volatile Head head;

    private Sequencer(LogStorage storage, String origin, NoteSigner signer) {
        this.storage = storage;
        this.origin = origin;
        this.signer = signer;
        this.identity = new LogIdentity(origin, signer.verifier());
    }

    /**
     * Opens the log in {@code storage}, or starts an empty one. The stored checkpoint must verify under the signer's
     * key and origin, and the tiles on disk must reproduce its root hash.
     */
    public static Sequencer open(LogStorage storage, String origin, NoteSigner signer)
            throws IOException, LedgerException {
        Sequencer s = new Sequencer(storage, origin, signer);
        byte[] stored = storage.readCheckpoint();
        if (stored == null) {
            Checkpoint empty = new Checkpoint(origin, 0, Bytes.of(TreeHash.emptyRoot()));
            s.head = new Head(empty, s.sign(empty));
            storage.writeCheckpoint(s.head.note().encode());
            return s;
        }
        SignedCheckpoint verified = SignedCheckpoint.open(stored, s.identity, List.of());
        storage.removeBeyond(verified.checkpoint().size());
        s.recover(verified);
        return s;
    }

    private void recover(SignedCheckpoint verified) throws IOException, LedgerException {
        String context = "while recovering the log in " + storage.root();
        Checkpoint cp = verified.checkpoint();
        long n = cp.size();
        for (int k = 0; k < 8 && (n >>> (8 * k)) > 0; k++) {
            List<byte[]> level = new ArrayList<>();
            long nodes = n >>> (8 * k);
            int width = (int) (nodes & 255);
            if (width > 0) {
                TileId id = new TileId(k, nodes >>> 8, width);
                Tile tile = Tile.parse(id, storage.fetch(id.path()));
                for (int i = 0; i < width; i++) {
                    level.add(tile.hash(i));
                }
            }
            levels.add(level);
        }
        int bundleWidth = (int) (n & 255);
        if (bundleWidth > 0) {
            EntryBundleId id = new EntryBundleId(n >>> 8, bundleWidth);
            EntryBundle b = EntryBundle.parse(id, storage.fetch(id.path()));
            for (int i = 0; i < bundleWidth; i++) {
                byte[] e = b.entry(i);
                if (!Arrays.equals(TreeHash.leafHash(e), levels.getFirst().get(i))) {
                    throw new FormatException(
                            context + ": entry " + ((n & ~255L) + i) + " does not hash to its level-0 tile");
                }
                bundle.add(e);
            }
        }
        size = n;
        byte[] root = MerkleTree.rootHash(frontier(), n);
        if (!cp.rootHash().contentEquals(root)) {
            throw new FormatException(context + ": tiles give root " + Hex.format(root) + ", checkpoint says "
                    + cp.rootHash().hex());
        }
        head = new Head(cp, verified.signedNote());
    }

    /** The rightmost partial tiles as a hash store: enough for the root of the current size. */
    private HashStore frontier() {
        return (height, index) -> {
            int k = height / 8;
            int r = height % 8;
            long first = index << r;
            List<byte[]> level = levels.get(k);
            int start = (int) (first & 255);
            return fold(level, start, r);
        };
    }

    private static byte[] fold(List<byte[]> hashes, int start, int height) {
        if (height == 0) {
            return hashes.get(start);
        }
        int half = 1 << (height - 1);
        return TreeHash.nodeHash(fold(hashes, start, height - 1), fold(hashes, start + half, height - 1));
    }

    private SignedNote sign(Checkpoint cp) throws FormatException {
        return SignedNote.sign(cp.toText(), List.of(signer));
    }

    /**
     * Appends {@code entries} (each at most 65535 bytes) in order and makes them durable with a new signed checkpoint.
     * On an I/O failure nothing is acknowledged and the in-memory state is rolled back to the last checkpoint.
     */
    public synchronized Appended append(List<byte[]> entries) throws IOException, LedgerException {
        for (byte[] e : entries) {
            if (e.length > EntryBundle.MAX_ENTRY_SIZE) {
                throw new IllegalArgumentException("entry of " + e.length + " bytes, more than 65535");
            }
        }
        if (entries.isEmpty()) {
            Head h = head;
            return new Appended(size, 0, h.note(), h.tree());
        }
        List<List<byte[]>> savedLevels = new ArrayList<>();
        levels.forEach(l -> savedLevels.add(new ArrayList<>(l)));
        List<byte[]> savedBundle = new ArrayList<>(bundle);
        long first = size;
        try {
            Map<String, byte[]> files = new LinkedHashMap<>();
            long s = size;
            boolean[] dirty = new boolean[64];
            boolean bundleDirty = false;
            for (byte[] entry : entries) {
                byte[] copy = entry.clone();
                bundle.add(copy);
                bundleDirty = true;
                level(0).add(TreeHash.leafHash(copy));
                dirty[0] = true;
                s++;
                if (bundle.size() == TilePath.FULL_WIDTH) {
                    files.put(new EntryBundleId((s - 1) >>> 8, TilePath.FULL_WIDTH).path(), EntryBundle.encode(bundle));
                    bundle.clear();
                    bundleDirty = false;
                }
                for (int k = 0; level(k).size() == TilePath.FULL_WIDTH; k++) {
                    List<byte[]> full = level(k);
                    byte[] concat = concat(full);
                    files.put(TileId.full(k, ((s >>> (8 * k)) >>> 8) - 1).path(), concat);
                    byte[] h = fold(full, 0, 8);
                    full.clear();
                    dirty[k] = false;
                    level(k + 1).add(h);
                    dirty[k + 1] = true;
                }
            }
            if (bundleDirty && !bundle.isEmpty()) {
                files.put(new EntryBundleId(s >>> 8, bundle.size()).path(), EntryBundle.encode(bundle));
            }
            for (int k = 0; k < levels.size(); k++) {
                if (dirty[k] && !levels.get(k).isEmpty()) {
                    files.put(new TileId(k, (s >>> (8 * k)) >>> 8, levels.get(k).size()).path(), concat(levels.get(k)));
                }
            }
            size = s;
            Checkpoint next = new Checkpoint(origin, s, Bytes.of(MerkleTree.rootHash(frontier(), s)));
            SignedNote signed = sign(next);
            storage.writeBatch(files, signed.encode());
            head = new Head(next, signed);
            return new Appended(first, entries.size(), signed, next);
        } catch (IOException | LedgerException | RuntimeException e) {
            levels.clear();
            levels.addAll(savedLevels);
            bundle.clear();
            bundle.addAll(savedBundle);
            size = first;
            throw e;
        }
    }

    private List<byte[]> level(int k) {
        while (levels.size() <= k) {
            levels.add(new ArrayList<>());
        }
        return levels.get(k);
    }

    private static byte[] concat(List<byte[]> hashes) {
        byte[] out = new byte[hashes.size() * TreeHash.SIZE];
        for (int i = 0; i < hashes.size(); i++) {
            System.arraycopy(hashes.get(i), 0, out, i * TreeHash.SIZE, TreeHash.SIZE);
        }
        return out;
    }

    /** The latest durable signed checkpoint (with whatever cosignatures were published for it). */
    public SignedNote checkpoint() {
        return head.note();
    }

    /** The latest durable tree head. */
    public Checkpoint tree() {
        return head.tree();
    }

    /** The number of durable entries. */
    public long size() {
        return head.tree().size();
    }

    /** The log's identity (origin and verifier key) as clients should configure it. */
    public LogIdentity identity() {
        return identity;
    }

    /**
     * Replaces the stored checkpoint with a copy that carries cosignatures: its text must be the current checkpoint's
     * text and the log's own signature must verify. This is how witness cosignatures get served.
     */
    public synchronized void publishCosigned(SignedNote cosigned) throws IOException, LedgerException {
        Head h = head;
        if (!Arrays.equals(cosigned.text(), h.note().text())) {
            throw new NoteVerificationException("while publishing a cosigned checkpoint: its text is not the current "
                    + "checkpoint (size " + h.tree().size() + ")");
        }
        SignedCheckpoint.open(cosigned, identity, List.of());
        storage.writeCheckpoint(cosigned.encode());
        head = new Head(h.tree(), cosigned);
    }

    private TileHashStore tiles(long treeSize) {
        return new TileHashStore(this::readTile, treeSize);
    }

    /**
     * A tile as of some durable tree size. A partial tile of a size that never had a checkpoint of its own is cut from
     * the full tile or from a wider partial tile (the current one), whose first hashes are the same.
     */
    private Tile readTile(TileId id) throws IOException, LedgerException {
        try {
            return Tile.parse(id, storage.fetch(id.path()));
        } catch (java.nio.file.NoSuchFileException e) {
            if (id.isFull()) {
                throw e;
            }
            byte[] wider;
            try {
                wider = Tile.parse(
                                TileId.full(id.level(), id.index()),
                                storage.fetch(
                                        TileId.full(id.level(), id.index()).path()))
                        .hashes()
                        .toByteArray();
            } catch (java.nio.file.NoSuchFileException noFull) {
                synchronized (this) {
                    long nodes = size >>> (8 * id.level());
                    if (id.level() >= levels.size()
                            || (nodes >>> 8) != id.index()
                            || levels.get(id.level()).size() < id.width()) {
                        throw e;
                    }
                    wider = concat(levels.get(id.level()));
                }
            }
            return new Tile(id, Bytes.of(wider, 0, id.width() * TreeHash.SIZE));
        }
    }

    /** The inclusion proof of entry {@code index} in the durable tree of {@code treeSize} entries. */
    public InclusionProof inclusionProof(long index, long treeSize) throws IOException, LedgerException {
        checkSize(treeSize);
        return MerkleTree.inclusionProof(tiles(treeSize), index, treeSize);
    }

    @Override
    public ConsistencyProof consistencyProof(long size1, long size2) throws IOException, LedgerException {
        if (size2 > size()) {
            // As a tile server answers for tiles it does not have (a log asked about a tree it never had).
            throw new java.nio.file.NoSuchFileException(
                    "no consistency proof to tree size " + size2 + ": the log has " + size() + " entries");
        }
        return MerkleTree.consistencyProof(tiles(size2), size1, size2);
    }

    /** A {@code .tlog-proof} for entry {@code index} under the current checkpoint. */
    public TlogProof tlogProof(long index, Optional<Bytes> extra) throws IOException, LedgerException {
        Head h = head;
        return TlogProof.of(inclusionProof(index, h.tree().size()), h.note(), extra);
    }

    /** Entry {@code index} from its entry bundle. */
    public byte[] entry(long index) throws IOException, LedgerException {
        long n = size();
        EntryBundleId id = EntryBundleId.forEntry(index, n);
        return EntryBundle.parse(id, storage.fetch(id.path())).entry((int) (index & 255));
    }

    private void checkSize(long treeSize) {
        long n = size();
        if (treeSize > n) {
            throw new IllegalArgumentException("tree size " + treeSize + " beyond the durable size " + n);
        }
    }

    @Override
    public String toString() {
        return "Sequencer[" + origin + ", " + storage.root() + ", size " + size() + "]";
    }
}
