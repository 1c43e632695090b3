package dev.cloister.tokens.store;

import dev.cloister.tokens.keys.Epoch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The embedded durable spent-token store: one append-only file of nonces per epoch in a directory, loaded into memory
 * at open, with group commit: {@link #spend} returns {@link SpendResult#SPENT} only after its record has been written
 * and {@code fdatasync}ed by the store's sync thread, and callers that arrive while a sync is running share the next one.
 *
 * <p>File {@code spent-<epoch>.log}: a 16-byte header ("CLSPENT1" ‖ epoch as uint64) then 36-byte records
 * (nonce[32] ‖ CRC-32C(epoch ‖ nonce) as uint32). At open, records with a bad checksum are skipped (a write torn by a
 * crash was never acknowledged) and a partial record at the end is cut off. A record that was acknowledged was synced,
 * so it is read back: kill -9 after an acknowledgment cannot let that nonce be spent again.
 *
 * <p>If a write or sync fails, the store refuses every later call ({@link SpentTokenStoreException}): fail closed.
 */
public final class FileSpentTokenStore implements SpentTokenStore {
    private static final byte[] MAGIC = "CLSPENT1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 16;
    static final int RECORD = 36;
    private static final Pattern NAME = Pattern.compile("spent-(\\d{1,19})\\.log");

    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition synced = lock.newCondition();
    private final Condition work = lock.newCondition();
    private Thread syncThread;
    private final TreeMap<Epoch, EpochLog> epochs = new TreeMap<>();
    private Epoch oldestRetained = new Epoch(0);
    private long appended;
    private long durable;
    private boolean syncing;
    private IOException failure;
    private boolean closed;
    private long skippedRecords;

    /** One epoch: its nonces in memory, its file, and the records not yet written. */
    private static final class EpochLog {
        final NonceSet nonces = new NonceSet();
        final Epoch epoch;
        /** Null until the sync thread has created the file; written and read under the lock. */
        FileChannel channel;

        final Path path;
        ByteBuffer pending = ByteBuffer.allocate(RECORD * 64);

        EpochLog(Epoch epoch, FileChannel channel, Path path) {
            this.epoch = epoch;
            this.channel = channel;
            this.path = path;
        }
    }

    private FileSpentTokenStore(Path directory) {
        this.directory = directory;
    }

    /** Opens (creating if needed) the store in {@code directory} and loads every epoch file into memory. */
    public static FileSpentTokenStore open(Path directory) throws SpentTokenStoreException {
        FileSpentTokenStore store = new FileSpentTokenStore(directory);
        try {
            Files.createDirectories(directory);
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "spent-*.log")) {
                ds.forEach(files::add);
            }
            for (Path f : files) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                store.load(new Epoch(Long.parseLong(m.group(1))), f);
            }
            store.syncThread = Thread.ofPlatform()
                    .daemon()
                    .name("spent-token-sync " + directory.getFileName())
                    .start(store::syncLoop);
        } catch (IOException | NumberFormatException e) {
            SpentTokenStoreException failure =
                    new SpentTokenStoreException("while opening the spent-token store in " + directory, e);
            store.closeAfterFailure(failure);
            throw failure;
        } catch (SpentTokenStoreException e) {
            store.closeAfterFailure(e);
            throw e;
        }
        return store;
    }

    private void load(Epoch epoch, Path file) throws IOException, SpentTokenStoreException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        EpochLog log = new EpochLog(epoch, ch, file);
        epochs.put(epoch, log);
        long size = ch.size();
        if (size < HEADER) {
            // A crash while creating the file: no record in it was ever acknowledged.
            ch.truncate(0);
            writeHeader(ch, epoch);
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(ch, header, 0);
        header.flip();
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        long fileEpoch = header.getLong();
        if (!java.util.Arrays.equals(magic, MAGIC) || fileEpoch != epoch.index()) {
            throw new SpentTokenStoreException(
                    "spent-token file " + file + " has a bad header (epoch " + fileEpoch + ")");
        }
        long records = (size - HEADER) / RECORD;
        ByteBuffer buf = ByteBuffer.allocate(RECORD * 4096);
        long position = HEADER;
        byte[] nonce = new byte[NONCE_LENGTH];
        long remaining = records;
        while (remaining > 0) {
            int n = (int) Math.min(remaining, 4096);
            buf.clear().limit(n * RECORD);
            readFully(ch, buf, position);
            buf.flip();
            for (int i = 0; i < n; i++) {
                buf.get(nonce);
                int crc = buf.getInt();
                if (crc == checksum(epoch, nonce)) {
                    log.nonces.add(nonce);
                } else {
                    skippedRecords++;
                }
            }
            position += (long) n * RECORD;
            remaining -= n;
        }
        long valid = HEADER + records * RECORD;
        if (valid != size) {
            ch.truncate(valid);
            ch.force(true);
        }
        ch.position(valid);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) {
                throw new IOException("unexpected end of file at " + p);
            }
            p += r;
        }
    }

    private static void writeHeader(FileChannel ch, Epoch epoch) throws IOException {
        ByteBuffer header =
                ByteBuffer.allocate(HEADER).put(MAGIC).putLong(epoch.index()).flip();
        while (header.hasRemaining()) {
            ch.write(header, HEADER - header.remaining());
        }
        ch.force(true);
        ch.position(HEADER);
    }

    static int checksum(Epoch epoch, byte[] nonce) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(0, epoch.index()));
        crc.update(nonce);
        return (int) crc.getValue();
    }

    @Override
    public SpendResult spend(Epoch epoch, byte[] nonce) throws SpentTokenStoreException {
        SpentTokenStore.checkNonce(nonce);
        long ticket;
        lock.lock();
        try {
            checkUsable();
            if (epoch.compareTo(oldestRetained) < 0) {
                return SpendResult.EPOCH_RETIRED;
            }
            EpochLog log = epochs.get(epoch);
            if (log == null) {
                log = create(epoch);
            }
            if (!log.nonces.add(nonce)) {
                return SpendResult.ALREADY_SPENT;
            }
            if (log.pending.remaining() < RECORD) {
                ByteBuffer bigger = ByteBuffer.allocate(log.pending.capacity() * 2);
                log.pending.flip();
                bigger.put(log.pending);
                log.pending = bigger;
            }
            log.pending.put(nonce).putInt(checksum(epoch, nonce));
            ticket = ++appended;
            awaitDurable(ticket);
            return SpendResult.SPENT;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the sync thread has made {@code ticket} durable; group commit: one sync covers every record appended before it. */
    private void awaitDurable(long ticket) throws SpentTokenStoreException {
        work.signal();
        while (durable < ticket) {
            checkUsable();
            synced.awaitUninterruptibly();
        }
    }

    /**
     * The sync thread: takes every pending record, writes and fdatasyncs them outside the lock, then wakes the waiters.
     * A dedicated thread does the I/O so that interrupting a caller can never close a channel (FileChannel closes on
     * interrupt) and so that records appended during a sync share the next one.
     */
    private void syncLoop() {
        lock.lock();
        try {
            while (true) {
                while (!closed && failure == null && durable == appended) {
                    work.awaitUninterruptibly();
                }
                if (closed || failure != null) {
                    return;
                }
                syncing = true;
                long target = appended;
                List<Map.Entry<EpochLog, ByteBuffer>> batch = new ArrayList<>();
                Map<EpochLog, FileChannel> channels = new java.util.HashMap<>();
                for (EpochLog log : epochs.values()) {
                    if (log.pending.position() > 0) {
                        log.pending.flip();
                        batch.add(Map.entry(log, log.pending));
                        log.pending = ByteBuffer.allocate(Math.max(RECORD * 64, log.pending.capacity()));
                        channels.put(log, log.channel);
                    }
                }
                Map<EpochLog, FileChannel> created = new java.util.HashMap<>();
                IOException error = null;
                lock.unlock();
                try {
                    for (Map.Entry<EpochLog, ByteBuffer> e : batch) {
                        FileChannel ch = channels.get(e.getKey());
                        if (ch == null) {
                            ch = createFile(e.getKey());
                            created.put(e.getKey(), ch);
                        }
                        ByteBuffer b = e.getValue();
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                        channels.put(e.getKey(), ch);
                    }
                    for (Map.Entry<EpochLog, ByteBuffer> e : batch) {
                        channels.get(e.getKey()).force(false);
                    }
                } catch (IOException ex) {
                    error = ex;
                } catch (RuntimeException | Error ex) {
                    error = new IOException("sync thread failed", ex);
                } finally {
                    lock.lock();
                }
                created.forEach((log, ch) -> log.channel = ch);
                syncing = false;
                if (error != null) {
                    failure = error;
                } else {
                    durable = Math.max(durable, target);
                }
                synced.signalAll();
            }
        } finally {
            syncing = false;
            synced.signalAll();
            lock.unlock();
        }
    }

    /** Registers a new epoch; its file is created by the sync thread with the epoch's first records. */
    private EpochLog create(Epoch epoch) {
        EpochLog log = new EpochLog(epoch, null, directory.resolve("spent-" + epoch.index() + ".log"));
        epochs.put(epoch, log);
        return log;
    }

    /** Creates an epoch file with its header and makes the directory entry durable (sync thread only). */
    private FileChannel createFile(EpochLog log) throws IOException {
        FileChannel ch = FileChannel.open(
                log.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        writeHeader(ch, log.epoch);
        syncDirectory();
        return ch;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for syncing; the file's own sync still holds its data.
            if (!System.getProperty("os.name", "")
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("win")) {
                throw e;
            }
        }
    }

    private void checkUsable() throws SpentTokenStoreException {
        if (closed) {
            throw new SpentTokenStoreException("spent-token store " + directory + " is closed");
        }
        if (failure != null) {
            throw new SpentTokenStoreException(
                    "spent-token store " + directory + " failed earlier and refuses all spends", failure);
        }
    }

    @Override
    public void retireBefore(Epoch oldest) throws SpentTokenStoreException {
        lock.lock();
        try {
            checkUsable();
            while (syncing) {
                synced.awaitUninterruptibly();
            }
            if (oldest.compareTo(oldestRetained) > 0) {
                oldestRetained = oldest;
            }
            Iterator<Map.Entry<Epoch, EpochLog>> it =
                    epochs.headMap(oldestRetained).entrySet().iterator();
            while (it.hasNext()) {
                EpochLog log = it.next().getValue();
                it.remove();
                try {
                    if (log.channel != null) {
                        log.channel.close();
                    }
                    Files.deleteIfExists(log.path);
                } catch (IOException e) {
                    throw new SpentTokenStoreException("while deleting retired epoch file " + log.path, e);
                }
            }
            // Waiters whose records sat in a retired epoch's buffer are released by the next (possibly empty) sync.
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Epochs currently held, oldest first. */
    public List<Epoch> epochs() {
        lock.lock();
        try {
            return List.copyOf(epochs.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Number of nonces held for {@code epoch}. */
    public int size(Epoch epoch) {
        lock.lock();
        try {
            EpochLog log = epochs.get(epoch);
            return log == null ? 0 : log.nonces.size();
        } finally {
            lock.unlock();
        }
    }

    /** Records skipped at open because their checksum did not match (torn, unacknowledged writes). */
    public long skippedRecords() {
        return skippedRecords;
    }

    @Override
    public void close() throws SpentTokenStoreException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            while (syncing) {
                synced.awaitUninterruptibly();
            }
            closed = true;
            work.signal();
            IOException first = null;
            for (EpochLog log : epochs.values()) {
                try {
                    if (log.channel != null) {
                        log.channel.close();
                    }
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            synced.signalAll();
            if (first != null) {
                throw new SpentTokenStoreException("while closing " + directory, first);
            }
        } finally {
            lock.unlock();
        }
        joinSyncThread();
    }

    private void joinSyncThread() {
        Thread t = syncThread;
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeAfterFailure(Exception primary) {
        for (EpochLog log : epochs.values()) {
            try {
                log.channel.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
