package dev.cloister.attest.bundle;

import dev.cloister.attest.AttestationException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of CBOR (RFC 8949) the bundle uses, in deterministic encoding (§4.2.1): unsigned integers, byte strings,
 * UTF-8 text strings, arrays and maps, definite lengths, shortest heads, map keys in bytewise order of their encoding,
 * no duplicates. The decoder refuses everything else, checks every length against the remaining input before
 * allocating, and limits nesting.
 */
final class Cbor {

    static final int MAX_DEPTH = 4;
    static final int MAX_ITEMS = 64;

    private Cbor() {}

    // ---- encoding ----

    static void head(ByteArrayOutputStream out, int major, long value) {
        int m = major << 5;
        if (value < 24) {
            out.write(m | (int) value);
        } else if (value < 0x100) {
            out.write(m | 24);
            out.write((int) value);
        } else if (value < 0x10000) {
            out.write(m | 25);
            out.write((int) (value >> 8));
            out.write((int) value);
        } else if (value < 0x1_0000_0000L) {
            out.write(m | 26);
            for (int i = 3; i >= 0; i--) {
                out.write((int) (value >> (8 * i)));
            }
        } else {
            out.write(m | 27);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (value >> (8 * i)));
            }
        }
    }

    static byte[] text(String s) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(o, 3, b.length);
        o.writeBytes(b);
        return o.toByteArray();
    }

    static byte[] bytes(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        head(o, 2, b.length);
        o.writeBytes(b);
        return o.toByteArray();
    }

    static byte[] array(byte[]... items) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        head(o, 4, items.length);
        for (byte[] i : items) {
            o.writeBytes(i);
        }
        return o.toByteArray();
    }

    /** A map from encoded keys to encoded values, written in deterministic key order. */
    static byte[] map(Map<String, byte[]> entries) {
        List<byte[][]> kv = new ArrayList<>();
        entries.forEach((k, v) -> kv.add(new byte[][] {text(k), v}));
        kv.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        head(o, 5, kv.size());
        for (byte[][] e : kv) {
            o.writeBytes(e[0]);
            o.writeBytes(e[1]);
        }
        return o.toByteArray();
    }

    // ---- decoding ----

    /** A decoded item: Long, byte[], String, List, or Map (String keys only). */
    static Object decode(byte[] in) throws AttestationException {
        Reader r = new Reader(in);
        Object v = r.item(0);
        if (r.at != in.length) {
            throw new AttestationException("CBOR: " + (in.length - r.at) + " trailing bytes");
        }
        return v;
    }

    private static final class Reader {
        private final byte[] in;
        private int at;

        Reader(byte[] in) {
            this.in = in;
        }

        private int u8() throws AttestationException {
            if (at >= in.length) {
                throw new AttestationException("CBOR: truncated at " + at);
            }
            return in[at++] & 0xff;
        }

        private long argument(int info) throws AttestationException {
            long v;
            int start = at;
            switch (info) {
                case 24 -> v = u8();
                case 25 -> v = (long) u8() << 8 | u8();
                case 26 -> v = (long) u8() << 24 | (long) u8() << 16 | (long) u8() << 8 | u8();
                case 27 -> {
                    v = 0;
                    for (int i = 0; i < 8; i++) {
                        v = v << 8 | u8();
                    }
                    if (v < 0) {
                        throw new AttestationException("CBOR: integer beyond 2^63 at " + start);
                    }
                }
                default -> {
                    if (info < 24) {
                        return info;
                    }
                    throw new AttestationException("CBOR: indefinite length or reserved head at " + (start - 1));
                }
            }
            long min = switch (info) {
                case 24 -> 24;
                case 25 -> 0x100;
                case 26 -> 0x10000;
                default -> 0x1_0000_0000L;
            };
            if (v < min) {
                throw new AttestationException("CBOR: non-shortest head at " + (start - 1));
            }
            return v;
        }

        Object item(int depth) throws AttestationException {
            if (depth > MAX_DEPTH) {
                throw new AttestationException("CBOR: nested deeper than " + MAX_DEPTH);
            }
            int ib = u8();
            int major = ib >>> 5;
            long n = argument(ib & 0x1f);
            switch (major) {
                case 0 -> {
                    return n;
                }
                case 2, 3 -> {
                    if (n > in.length - at) {
                        throw new AttestationException("CBOR: string of " + n + " bytes runs past the end");
                    }
                    byte[] b = Arrays.copyOfRange(in, at, at + (int) n);
                    at += (int) n;
                    if (major == 2) {
                        return b;
                    }
                    try {
                        return StandardCharsets.UTF_8
                                .newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)
                                .decode(java.nio.ByteBuffer.wrap(b))
                                .toString();
                    } catch (CharacterCodingException e) {
                        throw new AttestationException("CBOR: text string is not UTF-8", e);
                    }
                }
                case 4 -> {
                    if (n > MAX_ITEMS || n > in.length - at) {
                        throw new AttestationException(
                                "CBOR: array of " + n + " items exceeds the limit or the remaining input");
                    }
                    List<Object> l = new ArrayList<>();
                    for (long i = 0; i < n; i++) {
                        l.add(item(depth + 1));
                    }
                    return l;
                }
                case 5 -> {
                    if (n > MAX_ITEMS || n > in.length - at) {
                        throw new AttestationException(
                                "CBOR: map of " + n + " entries exceeds the limit or the remaining input");
                    }
                    Map<String, Object> m = new LinkedHashMap<>();
                    byte[] previous = null;
                    for (long i = 0; i < n; i++) {
                        int keyStart = at;
                        if (!(item(depth + 1) instanceof String key)) {
                            throw new AttestationException("CBOR: map key is not a text string");
                        }
                        byte[] encodedKey = Arrays.copyOfRange(in, keyStart, at);
                        if (previous != null && Arrays.compareUnsigned(previous, encodedKey) >= 0) {
                            throw new AttestationException("CBOR: map keys not in deterministic order (or duplicate)");
                        }
                        previous = encodedKey;
                        m.put(key, item(depth + 1));
                    }
                    return m;
                }
                default -> throw new AttestationException("CBOR: major type " + major + " is not used in bundles");
            }
        }
    }
}
