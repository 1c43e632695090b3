package dev.cloister.ledger.checkpoint;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A transparency log checkpoint, the note text of c2sp.org/tlog-checkpoint §"Note text": origin line, tree size in
 * decimal without leading zeroes, base64 root hash, then optional non-empty extension lines.
 */
public record Checkpoint(String origin, long size, Bytes rootHash, List<String> extensions) {

    /** Largest checkpoint text accepted. */
    public static final int MAX_TEXT_SIZE = 16 * 1024;
    /** Most extension lines accepted. */
    public static final int MAX_EXTENSIONS = 32;

    public Checkpoint {
        checkLine("origin", origin);
        if (size < 0) {
            throw new IllegalArgumentException("negative tree size " + size);
        }
        if (rootHash.length() != TreeHash.SIZE) {
            throw new IllegalArgumentException("root hash of " + rootHash.length() + " bytes, want 32");
        }
        extensions = List.copyOf(extensions);
        if (extensions.size() > MAX_EXTENSIONS) {
            throw new IllegalArgumentException(extensions.size() + " extension lines, more than " + MAX_EXTENSIONS);
        }
        for (String e : extensions) {
            checkLine("extension", e);
        }
    }

    /** A checkpoint without extension lines. */
    public Checkpoint(String origin, long size, Bytes rootHash) {
        this(origin, size, rootHash, List.of());
    }

    private static void checkLine(String what, String line) {
        if (line.isEmpty()) {
            throw new IllegalArgumentException("empty " + what + " line");
        }
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) < 0x20) {
                throw new IllegalArgumentException(what + " line holds a control character");
            }
        }
    }

    /** Parses checkpoint note text. Call only on text whose signature was verified. */
    public static Checkpoint parse(byte[] text) throws FormatException {
        String context = "while parsing a checkpoint";
        if (text.length > MAX_TEXT_SIZE) {
            throw new FormatException(context + ": " + text.length + " bytes, more than " + MAX_TEXT_SIZE);
        }
        if (text.length == 0 || text[text.length - 1] != '\n') {
            throw new FormatException(context + ": text does not end with a newline");
        }
        String s = new String(text, StandardCharsets.UTF_8);
        if (!Arrays.equals(s.getBytes(StandardCharsets.UTF_8), text)) {
            throw new FormatException(context + ": not valid UTF-8");
        }
        List<String> lines =
                new ArrayList<>(Arrays.asList(s.substring(0, s.length() - 1).split("\n", -1)));
        if (lines.size() < 3) {
            throw new FormatException(context + ": " + lines.size() + " lines, want at least 3");
        }
        if (lines.size() > 3 + MAX_EXTENSIONS) {
            throw new FormatException(context + ": more than " + MAX_EXTENSIONS + " extension lines");
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                throw new FormatException(context + ": line " + (i + 1) + " is empty");
            }
            if (lines.get(i).chars().anyMatch(c -> c < 0x20)) {
                throw new FormatException(context + ": line " + (i + 1) + " holds a control character");
            }
        }
        long size = parseDecimal(context + ": tree size", lines.get(1));
        byte[] root = decodeHash(context + ": root hash", lines.get(2));
        return new Checkpoint(lines.get(0), size, Bytes.of(root), lines.subList(3, lines.size()));
    }

    /**
     * Parses an ASCII decimal with no leading zeroes (unless it is {@code 0}) that fits in a signed 64-bit integer,
     * as tlog-checkpoint and tlog-proof require.
     */
    public static long parseDecimal(String context, String s) throws FormatException {
        if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            throw new FormatException(context + ": '" + abbreviate(s) + "' is not a canonical decimal");
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new FormatException(context + ": '" + abbreviate(s) + "' is not a canonical decimal");
            }
            v = v * 10 + (c - '0');
            if (v < 0) {
                throw new FormatException(context + ": '" + s + "' overflows 2^63-1");
            }
        }
        return v;
    }

    /** Decodes canonical standard base64 of exactly 32 bytes. */
    public static byte[] decodeHash(String context, String s) throws FormatException {
        if (s.length() != 44) {
            throw new FormatException(context + ": want 44 base64 characters, got " + Math.min(s.length(), 9999));
        }
        byte[] h;
        try {
            h = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new FormatException(context + ": invalid base64", e);
        }
        if (h.length != TreeHash.SIZE || !Base64.getEncoder().encodeToString(h).equals(s)) {
            throw new FormatException(context + ": not the canonical base64 of 32 bytes");
        }
        return h;
    }

    private static String abbreviate(String s) {
        return s.length() <= 24 ? s : s.substring(0, 24) + "…";
    }

    /** The note text: origin, size, root hash and extension lines, each newline-terminated. */
    public String toText() {
        StringBuilder sb = new StringBuilder(origin.length() + 80);
        sb.append(origin)
                .append('\n')
                .append(size)
                .append('\n')
                .append(Base64.getEncoder().encodeToString(rootHash.toByteArray()))
                .append('\n');
        for (String e : extensions) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Checkpoint[" + origin + ", size " + size + ", root " + rootHash.hex() + "]";
    }
}
