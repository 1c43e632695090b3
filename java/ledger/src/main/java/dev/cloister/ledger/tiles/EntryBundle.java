package dev.cloister.ledger.tiles;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The contents of an entry bundle: a sequence of big-endian uint16 length-prefixed entries
 * (c2sp.org/tlog-tiles §"Log entries").
 */
public record EntryBundle(List<Bytes> entries) {

    /** Largest entry a bundle can hold. */
    public static final int MAX_ENTRY_SIZE = 0xffff;

    public EntryBundle {
        if (entries.isEmpty() || entries.size() > TilePath.FULL_WIDTH) {
            throw new IllegalArgumentException("entry bundle of " + entries.size() + " entries");
        }
        entries = List.copyOf(entries);
        for (Bytes e : entries) {
            if (e.length() > MAX_ENTRY_SIZE) {
                throw new IllegalArgumentException("entry of " + e.length() + " bytes, more than 65535");
            }
        }
    }

    /** The number of entries. */
    public int size() {
        return entries.size();
    }

    /** Entry {@code i}. */
    public byte[] entry(int i) {
        return entries.get(i).toByteArray();
    }

    /** Parses a bundle fetched for {@code id}: exactly {@code id.width()} entries and no trailing bytes. */
    public static EntryBundle parse(EntryBundleId id, byte[] bytes) throws FormatException {
        String context = "while reading entry bundle " + id.path();
        List<Bytes> out = new ArrayList<>(id.width());
        int pos = 0;
        for (int i = 0; i < id.width(); i++) {
            if (bytes.length - pos < 2) {
                throw new FormatException(context + ": truncated before entry " + i + " of " + id.width());
            }
            int len = ((bytes[pos] & 0xff) << 8) | (bytes[pos + 1] & 0xff);
            pos += 2;
            if (bytes.length - pos < len) {
                throw new FormatException(
                        context + ": entry " + i + " claims " + len + " bytes, " + (bytes.length - pos) + " left");
            }
            out.add(Bytes.of(bytes, pos, pos + len));
            pos += len;
        }
        if (pos != bytes.length) {
            throw new FormatException(
                    context + ": " + (bytes.length - pos) + " trailing bytes after " + id.width() + " entries");
        }
        return new EntryBundle(out);
    }

    /** The wire form. */
    public byte[] encode() {
        return encode(entries.stream().map(Bytes::toByteArray).toList());
    }

    /** Encodes entries as a bundle without copying them first. */
    public static byte[] encode(List<byte[]> entries) {
        int total = 0;
        for (byte[] e : entries) {
            total += 2 + e.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        for (byte[] e : entries) {
            out.write(e.length >>> 8);
            out.write(e.length);
            out.writeBytes(e);
        }
        return out.toByteArray();
    }
}
