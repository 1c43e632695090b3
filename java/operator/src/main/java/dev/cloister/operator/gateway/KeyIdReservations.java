package dev.cloister.operator.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The OHTTP key identifiers (RFC 9458 §3, one byte) a gateway has handed out, each with the instant until which a
 * request may still name it (the key's end plus its grace period), kept in the gateway's state so that a restarted
 * gateway never gives its new key the id of a key that clients may still hold. A client that sends a request under a
 * key the gateway no longer has then gets the key-configuration problem (RFC 9458 §5.2: fetch the keys again) instead
 * of a decryption failure under a different key with the same id.
 *
 * <p>Why this and not the alternatives: persisting the private keys themselves would keep them on disk beyond the
 * process; deriving ids from the time (one id per time slot) reuses an id whenever a gateway restarts twice within a
 * slot. Only public facts are stored here (an id and an instant per key), in a small text file replaced atomically
 * before the key is used.
 *
 * <p>Ids are handed out in turn, after the last one handed out (so an id comes back only after the other 255), and an
 * id still reserved is skipped. If all 256 are reserved (256 restarts within one key's validity), the one whose
 * reservation ends first is taken: availability over a stale client's clearer error.
 */
public final class KeyIdReservations {

    /** A key id and the instant until which requests may name it. */
    public record Reservation(int keyId, Instant until) {
        public Reservation {
            if (keyId < 0 || keyId > 255) throw new IllegalArgumentException("a key id is one byte: " + keyId);
        }
    }

    private static final String HEADER = "# OHTTP key ids this gateway handed out, and until when requests may name "
            + "them (KEY_ID UNTIL); the last line is the latest";

    /** Where the reservations are kept; empty for a gateway whose keys outlive none of its restarts (tests, demo). */
    private final Optional<Path> file;
    /** In the order handed out; the last one is the latest. */
    private final List<Reservation> reservations;

    private KeyIdReservations(Optional<Path> file, List<Reservation> reservations) {
        this.file = file;
        this.reservations = new ArrayList<>(reservations);
    }

    /** Reservations held in memory only: ids do not repeat within the process, but a restart starts again at 0. */
    public static KeyIdReservations inMemory() {
        return new KeyIdReservations(Optional.empty(), List.of());
    }

    /**
     * The reservations kept in {@code file} (none if it does not exist yet; it is created at the first reservation).
     *
     * @throws IOException when the file cannot be read or is not a reservation file (it is never silently replaced)
     */
    public static KeyIdReservations open(Path file) throws IOException {
        List<Reservation> read = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            lines = List.of();
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] fields = line.split(" ");
            try {
                if (fields.length != 2) throw new IllegalArgumentException("two fields expected");
                read.add(new Reservation(Integer.parseInt(fields[0]), Instant.parse(fields[1])));
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new IOException(file + " line " + (i + 1) + ": not a key id reservation (KEY_ID UNTIL)");
            }
        }
        return new KeyIdReservations(Optional.of(file), read);
    }

    /**
     * Reserves an id for a new key until {@code until}, and records it (in the file, when there is one) before it
     * returns: the next id after the latest one handed out that no reservation holds at {@code now} and that is not
     * in {@code inUse} (the ids of the live key ring).
     *
     * @throws UncheckedIOException when the reservation cannot be recorded (the key must then not be used)
     */
    public synchronized int reserve(Instant now, Instant until, Set<Integer> inUse) {
        int latest = reservations.isEmpty() ? -1 : reservations.getLast().keyId();
        Integer chosen = null;
        for (int step = 1; step <= 256 && chosen == null; step++) {
            int id = (latest + step) & 0xff;
            if (!inUse.contains(id) && !heldAt(id, now)) chosen = id;
        }
        if (chosen == null) {
            chosen = reservations.stream()
                    .filter(r -> !inUse.contains(r.keyId()))
                    .min(Comparator.comparing(Reservation::until))
                    .orElseThrow(() -> new IllegalStateException("all 256 key ids are in the live key ring"))
                    .keyId();
        }
        int id = chosen;
        List<Reservation> next = new ArrayList<>();
        for (Reservation r : reservations) {
            if (r.keyId() != id && r.until().isAfter(now)) next.add(r);
        }
        next.add(new Reservation(id, until));
        if (file.isPresent()) write(file.get(), next);
        reservations.clear();
        reservations.addAll(next);
        return id;
    }

    /** The reservations, oldest first. */
    public synchronized List<Reservation> reservations() {
        return List.copyOf(reservations);
    }

    private boolean heldAt(int id, Instant now) {
        return reservations.stream().anyMatch(r -> r.keyId() == id && r.until().isAfter(now));
    }

    private static void write(Path file, List<Reservation> reservations) {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (Reservation r : reservations) {
            text.append(r.keyId()).append(' ').append(r.until()).append('\n');
        }
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            Path temporary = Files.createTempFile(
                    absolute.getParent(), absolute.getFileName().toString(), ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                    ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                    while (bytes.hasRemaining()) channel.write(bytes);
                    channel.force(true); // on disk before the key is used: a crash must not lose the reservation
                }
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("while recording a key id reservation in " + file, e);
        }
    }
}
