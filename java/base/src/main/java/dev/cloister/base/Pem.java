package dev.cloister.base;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * PEM text (RFC 7468): blocks of base64 between {@code -----BEGIN label-----} and {@code -----END label-----} lines.
 *
 * <p>{@link #encode} writes the canonical form: LF line ends, 64 base64 characters to a line, each block ending in a
 * line end, nothing between blocks. {@link #decode} reads what RFC 7468 §3 calls strict text with two allowances
 * found in vendor files: line ends may be CRLF and base64 lines may have any length; whitespace may surround blocks,
 * but no other text may. The base64 itself must be canonical (RFC 4648 §3.5: padding where needed, zero pad bits),
 * so equal text means equal bytes. {@link #decodeCanonical} accepts only what {@link #encode} writes, byte for byte.
 * Both refuse input over {@link Limits#maxBytes()} before reading it and stop at {@link Limits#maxBlocks()}.
 */
public final class Pem {

    /** The label a certificate block carries. */
    public static final String CERTIFICATE = "CERTIFICATE";

    private static final int LINE = 64;
    private static final String DASHES = "-----";
    /** RFC 7468 §3 labels, restricted to uppercase words: what every label in use looks like. */
    private static final Pattern LABEL = Pattern.compile("[A-Z0-9]+(?: [A-Z0-9]+)*");

    private static final int MAX_LABEL = 64;

    private Pem() {}

    /** One block: its label and the bytes its base64 spells. */
    public record Block(String label, Bytes data) {
        public Block {
            checkLabel(label);
            Objects.requireNonNull(data, "data");
        }

        /** A {@code CERTIFICATE} block holding {@code der}. */
        public static Block certificate(byte[] der) {
            return new Block(CERTIFICATE, Bytes.of(der));
        }
    }

    /** How much {@link #decode} reads: input of at most {@code maxBytes}, at most {@code maxBlocks} blocks. */
    public record Limits(int maxBytes, int maxBlocks) {
        public Limits {
            if (maxBytes < 1 || maxBlocks < 1) {
                throw new IllegalArgumentException("PEM limits must be positive: " + maxBytes + ", " + maxBlocks);
            }
        }
    }

    /** The canonical PEM of one block. */
    public static String encode(String label, byte[] data) {
        checkLabel(label);
        String b64 = Base64.getEncoder().encodeToString(data);
        StringBuilder s = new StringBuilder(b64.length() + b64.length() / LINE + 2 * label.length() + 40);
        s.append(DASHES).append("BEGIN ").append(label).append(DASHES).append('\n');
        for (int at = 0; at < b64.length(); at += LINE) {
            s.append(b64, at, Math.min(b64.length(), at + LINE)).append('\n');
        }
        s.append(DASHES).append("END ").append(label).append(DASHES).append('\n');
        return s.toString();
    }

    /** The canonical PEM of the blocks, one after another. */
    public static String encode(List<Block> blocks) {
        StringBuilder s = new StringBuilder();
        for (Block b : blocks) {
            s.append(encode(b.label(), b.data().toByteArray()));
        }
        return s.toString();
    }

    /** The canonical PEM of {@code CERTIFICATE} blocks holding the DER certificates, in order. */
    public static String encodeCertificates(List<byte[]> ders) {
        StringBuilder s = new StringBuilder();
        for (byte[] der : ders) {
            s.append(encode(CERTIFICATE, der));
        }
        return s.toString();
    }

    /**
     * The blocks of {@code text} (see the class comment for what is accepted).
     *
     * @throws MalformedPemException for input over the limits, no block, text outside blocks, a malformed
     *     boundary line, mismatched labels, or base64 that is not canonical
     */
    public static List<Block> decode(byte[] text, Limits limits) throws MalformedPemException {
        if (text.length > limits.maxBytes()) {
            throw new MalformedPemException(
                    "PEM of " + text.length + " bytes exceeds the limit of " + limits.maxBytes());
        }
        return new Reader(text, limits).blocks();
    }

    /**
     * The blocks of {@code text}, which must be exactly what {@link #encode(List)} writes for them.
     *
     * @throws MalformedPemException as {@link #decode}, or naming the first line that is not in canonical form
     */
    public static List<Block> decodeCanonical(byte[] text, Limits limits) throws MalformedPemException {
        List<Block> blocks = decode(text, limits);
        byte[] canonical = encode(blocks).getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(canonical.length, text.length);
        int line = 1;
        for (int i = 0; i < n; i++) {
            if (canonical[i] != text[i]) {
                throw new MalformedPemException("PEM not in canonical form at line " + line
                        + " (LF line ends, 64-character base64 lines, nothing around or between blocks)");
            }
            if (text[i] == '\n') {
                line++;
            }
        }
        if (canonical.length != text.length) {
            throw new MalformedPemException("PEM not in canonical form at line " + line
                    + " (LF line ends, 64-character base64 lines, nothing around or between blocks)");
        }
        return blocks;
    }

    /**
     * The DER bytes of the blocks, each of which must be a {@code CERTIFICATE} block.
     *
     * @throws MalformedPemException naming the first block with another label
     */
    public static List<byte[]> certificates(List<Block> blocks) throws MalformedPemException {
        List<byte[]> out = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            if (!b.label().equals(CERTIFICATE)) {
                throw new MalformedPemException("PEM block " + (i + 1) + " is " + b.label() + ", want " + CERTIFICATE);
            }
            out.add(b.data().toByteArray());
        }
        return out;
    }

    private static void checkLabel(String label) {
        if (label.length() > MAX_LABEL || !LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("not a PEM label (uppercase words of A-Z and 0-9, one space apart)");
        }
    }

    /** One pass over the text, a line at a time. */
    private static final class Reader {
        private final byte[] text;
        private final Limits limits;
        private int at;
        private int line;

        Reader(byte[] text, Limits limits) {
            this.text = text;
            this.limits = limits;
        }

        List<Block> blocks() throws MalformedPemException {
            List<Block> out = new ArrayList<>();
            while (true) {
                skipBlankLines();
                if (at == text.length) {
                    break;
                }
                if (out.size() == limits.maxBlocks()) {
                    throw fail("more than " + limits.maxBlocks() + " PEM blocks");
                }
                out.add(block(out.size() + 1));
            }
            if (out.isEmpty()) {
                throw new MalformedPemException("no PEM block found");
            }
            return List.copyOf(out);
        }

        private Block block(int number) throws MalformedPemException {
            String begin = nextLine();
            String label = boundary(begin, "BEGIN", number);
            StringBuilder b64 = new StringBuilder();
            while (true) {
                if (at == text.length) {
                    throw fail("PEM block " + number + " (" + label + ") has no END line");
                }
                String l = nextLine();
                if (l.startsWith(DASHES)) {
                    String end = boundary(l, "END", number);
                    if (!end.equals(label)) {
                        throw fail("PEM block " + number + " begins " + label + " but ends " + end);
                    }
                    break;
                }
                for (int i = 0; i < l.length(); i++) {
                    char c = l.charAt(i);
                    if (!(c >= 'A' && c <= 'Z'
                            || c >= 'a' && c <= 'z'
                            || c >= '0' && c <= '9'
                            || c == '+'
                            || c == '/'
                            || c == '=')) {
                        throw fail("PEM block " + number + ": character " + describe(c) + " at column " + (i + 1)
                                + " is not base64");
                    }
                }
                b64.append(l);
            }
            if (b64.isEmpty()) {
                throw fail("PEM block " + number + " (" + label + ") is empty");
            }
            byte[] data;
            try {
                data = Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw fail("PEM block " + number + " (" + label + "): bad base64 (" + e.getMessage() + ")");
            }
            if (!Base64.getEncoder().encodeToString(data).contentEquals(b64)) {
                throw fail("PEM block " + number + " (" + label + "): base64 not canonical (padding or pad bits)");
            }
            return new Block(label, Bytes.of(data));
        }

        /** The label of {@code -----KIND label-----}. */
        private String boundary(String l, String kind, int number) throws MalformedPemException {
            String head = DASHES + kind + " ";
            if (!l.startsWith(head) || !l.endsWith(DASHES) || l.length() < head.length() + DASHES.length() + 1) {
                throw fail("expected the " + kind + " line of PEM block " + number);
            }
            String label = l.substring(head.length(), l.length() - DASHES.length());
            if (label.length() > MAX_LABEL || !LABEL.matcher(label).matches()) {
                throw fail("PEM block " + number + ": bad label in its " + kind + " line");
            }
            return label;
        }

        /** Lines of spaces and tabs (nextLine refuses every other control character). */
        private void skipBlankLines() throws MalformedPemException {
            while (at < text.length) {
                int mark = at;
                int markLine = line;
                String l = nextLine();
                if (!l.isBlank()) {
                    at = mark;
                    line = markLine;
                    return;
                }
            }
        }

        /** The next line without its LF or CRLF; the last line of the text may lack one. */
        private String nextLine() throws MalformedPemException {
            line++;
            int start = at;
            int end = start;
            while (end < text.length && text[end] != '\n') {
                byte c = text[end];
                if (c == '\r') {
                    if (end + 1 < text.length && text[end + 1] == '\n') {
                        break;
                    }
                    throw fail("CR without LF");
                }
                if (c < 0x20 && c != '\t' || c >= 0x7f) {
                    throw fail("byte 0x" + Integer.toHexString(c & 0xff) + " at column " + (end - start + 1)
                            + " is not printable ASCII");
                }
                end++;
            }
            String l = new String(text, start, end - start, StandardCharsets.US_ASCII);
            at = end == text.length ? end : text[end] == '\r' ? end + 2 : end + 1;
            return l;
        }

        private MalformedPemException fail(String what) {
            return new MalformedPemException(what + " (line " + line + ")");
        }
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
