package dev.cloister.infer.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Finds one regular file in a (ustar) tar stream, such as an npm package after gunzip: 512-byte headers, each followed
 * by the file's bytes padded to 512. Bounded: a size above the caller's limit or a malformed header is refused before
 * anything is allocated for it.
 */
final class TarEntryReader {

    private static final int BLOCK = 512;
    private static final int MAX_ENTRIES = 100_000;

    private TarEntryReader() {}

    /** The bytes of the regular file {@code path}, or empty when the archive ends without it. */
    static Optional<byte[]> find(InputStream tar, String path, long maxBytes) throws IOException {
        byte[] header = new byte[BLOCK];
        for (int entry = 0; entry < MAX_ENTRIES; entry++) {
            if (!readFully(tar, header)) {
                return Optional.empty();
            }
            if (isZero(header)) {
                return Optional.empty(); // end-of-archive marker
            }
            if (!verifyChecksum(header)) {
                throw new ModelFormatException("tar: header " + entry + " has a bad checksum");
            }
            String name = text(header, 0, 100);
            boolean posix = header[257] == 'u'
                    && header[258] == 's'
                    && header[259] == 't'
                    && header[260] == 'a'
                    && header[261] == 'r'
                    && header[262] == 0;
            String prefix = posix ? text(header, 345, 155) : "";
            String full = prefix.isEmpty() ? name : prefix + "/" + name;
            long size = octal(header, 124, 12);
            byte type = header[156];
            boolean regular = type == '0' || type == 0;
            if (regular && full.equals(path)) {
                if (size > maxBytes || size > Integer.MAX_VALUE - 8) {
                    throw new ModelFormatException("tar: " + path + " is " + size + " bytes, more than " + maxBytes);
                }
                byte[] data = new byte[(int) size];
                if (!readFully(tar, data)) {
                    throw new ModelFormatException("tar: " + path + " truncated");
                }
                return Optional.of(data);
            }
            skip(tar, (size + BLOCK - 1) / BLOCK * BLOCK);
        }
        throw new ModelFormatException("tar: more than " + MAX_ENTRIES + " entries");
    }

    private static boolean verifyChecksum(byte[] header) {
        long stored;
        try {
            stored = octal(header, 148, 8);
        } catch (ModelFormatException e) {
            return false;
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xFF;
        }
        return sum == stored;
    }

    private static long octal(byte[] header, int offset, int length) {
        long value = 0;
        int i = offset;
        int end = offset + length;
        while (i < end && header[i] == ' ') {
            i++;
        }
        int digits = 0;
        for (; i < end && header[i] >= '0' && header[i] <= '7'; i++) {
            value = value * 8 + (header[i] - '0');
            digits++;
        }
        if (digits == 0 || digits > 11 || i < end && header[i] != 0 && header[i] != ' ') {
            throw new ModelFormatException("tar: a header number is not octal");
        }
        return value;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int read = in.readNBytes(buffer, 0, buffer.length);
        if (read == 0) {
            return false;
        }
        if (read < buffer.length) {
            throw new ModelFormatException("tar: truncated");
        }
        return true;
    }

    private static void skip(InputStream in, long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new ModelFormatException("tar: truncated");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    /** Writes a one-file ustar archive (for tests of the reader and of bundles). */
    static byte[] single(String path, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, header, 0, Math.min(100, name.length));
        put(header, 100, String.format("%07o", 0644));
        put(header, 108, String.format("%07o", 0));
        put(header, 116, String.format("%07o", 0));
        put(header, 124, String.format("%011o", data.length));
        put(header, 136, String.format("%011o", 0));
        header[156] = '0';
        put(header, 257, "ustar");
        header[263] = '0';
        header[264] = '0';
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xFF;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        out.writeBytes(header);
        out.writeBytes(data);
        out.writeBytes(new byte[(BLOCK - data.length % BLOCK) % BLOCK]);
        out.writeBytes(new byte[2 * BLOCK]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
