package dev.cloister.wire.bhttp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared helpers: the vector directory, hex, a naive reference encoder and random messages. */
final class BhttpTestSupport {

    private BhttpTestSupport() {}

    /** The RFC 9292 vector directory under the {@code cloister.vectors} system property; fails when it is missing. */
    static Path vectorDir() {
        String root = System.getProperty("cloister.vectors");
        if (root == null) {
            fail("system property cloister.vectors is not set (Surefire sets it to testdata/vectors)");
        }
        Path dir = Path.of(root, "bhttp-rfc9292");
        assertTrue(Files.isDirectory(dir), () -> "missing vector directory " + dir);
        return dir;
    }

    static byte[] readVector(String fileName) throws IOException {
        return Files.readAllBytes(vectorDir().resolve(fileName));
    }

    /** The {@code hex} member of the named object in rfc9292-examples.json. */
    static byte[] jsonHex(String name) throws IOException {
        String json = Files.readString(vectorDir().resolve("rfc9292-examples.json"));
        Matcher m = Pattern.compile(
                        "\"" + Pattern.quote(name) + "\"\\s*:\\s*\\{[^}]*?\"hex\"\\s*:\\s*\"([0-9a-fA-F]*)\"")
                .matcher(json);
        if (!m.find()) {
            fail("rfc9292-examples.json has no hex for " + name);
        }
        return hex(m.group(1));
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    static byte[] latin1(String s) {
        return s.getBytes(ISO_8859_1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // A naive reference encoder, written straight from the RFC 9292 §3 figures, with a chosen integer width.

    /** Encodes with every integer on at least {@code width} bytes (0 = shortest), to check the encoder and lenient decoding. */
    static byte[] referenceEncode(BinaryRequest r, int width) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, r.framing() == Framing.KNOWN_LENGTH ? 0 : 2, width);
        for (String s : List.of(r.method(), r.scheme(), r.authority(), r.path())) {
            bytes(out, latin1(s), width);
        }
        sections(out, r.framing(), r.headers(), r.content(), r.trailers(), width);
        out.writeBytes(new byte[r.padding()]);
        return out.toByteArray();
    }

    static byte[] referenceEncode(BinaryResponse r, int width) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, r.framing() == Framing.KNOWN_LENGTH ? 1 : 3, width);
        for (InformationalResponse info : r.informational()) {
            varint(out, info.status(), width);
            section(out, r.framing(), info.headers(), width);
        }
        varint(out, r.status(), width);
        sections(out, r.framing(), r.headers(), r.content(), r.trailers(), width);
        out.writeBytes(new byte[r.padding()]);
        return out.toByteArray();
    }

    private static void sections(
            ByteArrayOutputStream out,
            Framing framing,
            FieldSection headers,
            byte[] content,
            FieldSection trailers,
            int width) {
        section(out, framing, headers, width);
        if (framing == Framing.KNOWN_LENGTH) {
            bytes(out, content, width);
        } else {
            if (content.length > 0) bytes(out, content, width);
            varint(out, 0, width);
        }
        section(out, framing, trailers, width);
    }

    private static void section(ByteArrayOutputStream out, Framing framing, FieldSection section, int width) {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        for (Field f : section.fields()) {
            bytes(lines, latin1(f.name()), width);
            bytes(lines, latin1(f.value()), width);
        }
        if (framing == Framing.KNOWN_LENGTH) {
            bytes(out, lines.toByteArray(), width);
        } else {
            out.writeBytes(lines.toByteArray());
            varint(out, 0, width);
        }
    }

    private static void bytes(ByteArrayOutputStream out, byte[] b, int width) {
        varint(out, b.length, width);
        out.writeBytes(b);
    }

    /** RFC 9000 §16, written out by hand. */
    static void varint(ByteArrayOutputStream out, long v, int width) {
        int shortest = v < 64 ? 1 : v < 16384 ? 2 : v < (1L << 30) ? 4 : 8;
        int w = Math.max(width, shortest);
        int prefix = switch (w) {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 2;
            default -> 3;
        };
        for (int i = w - 1; i >= 0; i--) {
            int b = (int) (v >>> (8 * i)) & 0xff;
            out.write(i == w - 1 ? b | (prefix << 6) : b);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Random valid messages.

    private static final String TCHAR_LOWER = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String TCHAR = TCHAR_LOWER + "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    static String token(Random r, String alphabet, int maxLength) {
        int n = 1 + r.nextInt(maxLength);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return s.toString();
    }

    static String visibleAscii(Random r, int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) s.append((char) (0x21 + r.nextInt(0x7e - 0x21 + 1)));
        return s.toString();
    }

    /** A field value: visible ASCII, obs-text, and SP/HTAB anywhere but at the ends. */
    static String fieldValue(Random r) {
        int n = r.nextInt(r.nextInt(8) == 0 ? 300 : 24);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(10);
            char c;
            if (pick < 7) c = (char) (0x21 + r.nextInt(0x5e));
            else if (pick < 8) c = (char) (0x80 + r.nextInt(0x80));
            else if (pick < 9) c = ' ';
            else c = (char) (1 + r.nextInt(0x1f));
            if (c == '\r' || c == '\n') c = 'x';
            if ((i == 0 || i == n - 1) && (c == ' ' || c == '\t')) c = 'y';
            s.append(c);
        }
        return s.toString();
    }

    static FieldSection fieldSection(Random r, int maxFields) {
        int n = r.nextInt(maxFields + 1);
        List<Field> fields = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fields.add(new Field(token(r, TCHAR_LOWER, r.nextInt(10) == 0 ? 80 : 16), fieldValue(r)));
        }
        return FieldSection.of(fields);
    }

    static byte[] content(Random r) {
        int pick = r.nextInt(10);
        int n = pick < 3 ? 0 : pick < 9 ? r.nextInt(200) : r.nextInt(20_000);
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static Framing framing(Random r) {
        return r.nextBoolean() ? Framing.KNOWN_LENGTH : Framing.INDETERMINATE_LENGTH;
    }

    static int padding(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(40) : 0;
    }

    static FieldSection maybeEmpty(Random r, int maxFields) {
        return r.nextInt(3) == 0 ? FieldSection.EMPTY : fieldSection(r, maxFields);
    }

    static BinaryRequest randomRequest(Random r) {
        return new BinaryRequest(
                framing(r),
                token(r, TCHAR, 10),
                visibleAscii(r, 8),
                visibleAscii(r, 30),
                visibleAscii(r, 60),
                maybeEmpty(r, 12),
                content(r),
                maybeEmpty(r, 4),
                padding(r));
    }

    static BinaryResponse randomResponse(Random r) {
        int count = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0;
        List<InformationalResponse> informational = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            informational.add(new InformationalResponse(100 + r.nextInt(100), fieldSection(r, 3)));
        }
        return new BinaryResponse(
                framing(r),
                informational,
                200 + r.nextInt(400),
                maybeEmpty(r, 12),
                content(r),
                maybeEmpty(r, 4),
                padding(r));
    }
}
