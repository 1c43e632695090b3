package dev.cloister.ledger.note;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A signed note as received, before any signature is checked (c2sp.org/signed-note §"Format"): the note text (final
 * newline included) and its signature lines. The text must not be interpreted until {@link #open} has verified it.
 */
public final class SignedNote {

    /** Largest note accepted, text and signatures together. */
    public static final int MAX_SIZE = 1 << 20;
    /** Most signature lines accepted; the spec requires at least 16. */
    public static final int MAX_SIGNATURES = 100;

    private static final byte[] SIGNATURE_PREFIX = "\u2014 ".getBytes(StandardCharsets.UTF_8);

    private final byte[] text;
    private final List<NoteSignature> signatures;

    private SignedNote(byte[] text, List<NoteSignature> signatures) {
        this.text = text;
        this.signatures = List.copyOf(signatures);
    }

    /** The note text bytes, final newline included. Unauthenticated until {@link #open} succeeds. */
    public byte[] text() {
        return text.clone();
    }

    /** The signature lines, in order. */
    public List<NoteSignature> signatures() {
        return signatures;
    }

    /**
     * Parses a signed note: valid UTF-8, no control characters but newline, text and signatures separated by the last
     * blank line, at least one well-formed signature line.
     */
    public static SignedNote parse(byte[] note) throws FormatException {
        String context = "while parsing a signed note";
        if (note.length > MAX_SIZE) {
            throw new FormatException(context + ": " + note.length + " bytes, more than " + MAX_SIZE);
        }
        checkText(context, note, note.length);
        int split = -1;
        for (int i = note.length - 2; i >= 0; i--) {
            if (note[i] == '\n' && note[i + 1] == '\n') {
                split = i;
                break;
            }
        }
        if (split < 0) {
            throw new FormatException(context + ": no blank line before the signatures");
        }
        byte[] text = Arrays.copyOf(note, split + 1);
        int start = split + 2;
        if (start >= note.length || note[note.length - 1] != '\n') {
            throw new FormatException(context + ": signature block empty or not newline-terminated");
        }
        List<NoteSignature> sigs = new ArrayList<>();
        while (start < note.length) {
            int end = start;
            while (note[end] != '\n') {
                end++;
            }
            if (sigs.size() == MAX_SIGNATURES) {
                throw new FormatException(context + ": more than " + MAX_SIGNATURES + " signatures");
            }
            sigs.add(parseSignatureLine(context, note, start, end));
            start = end + 1;
        }
        return new SignedNote(text, sigs);
    }

    private static NoteSignature parseSignatureLine(String context, byte[] note, int start, int end)
            throws FormatException {
        if (end - start < SIGNATURE_PREFIX.length
                || !Arrays.equals(
                        note, start, start + SIGNATURE_PREFIX.length, SIGNATURE_PREFIX, 0, SIGNATURE_PREFIX.length)) {
            throw new FormatException(context + ": signature line does not start with an em dash and a space");
        }
        String line = new String(
                note, start + SIGNATURE_PREFIX.length, end - start - SIGNATURE_PREFIX.length, StandardCharsets.UTF_8);
        int space = line.indexOf(' ');
        if (space <= 0 || line.indexOf(' ', space + 1) >= 0) {
            throw new FormatException(context + ": signature line is not '— <name> <base64>'");
        }
        String name = line.substring(0, space);
        if (!KeyId.isValidName(name)) {
            throw new FormatException(context + ": invalid key name in a signature line");
        }
        byte[] raw = VerifierKey.decodeBase64(context, line.substring(space + 1));
        if (raw.length < 5) {
            throw new FormatException(context + ": signature of " + raw.length + " bytes, want a key id and more");
        }
        int keyId = KeyId.first4(raw);
        return new NoteSignature(name, keyId, Bytes.of(raw, 4, raw.length));
    }

    /** Checks UTF-8 validity and the control character rule on {@code bytes[0, length)}. */
    static void checkText(String context, byte[] bytes, int length) throws FormatException {
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b < 0) {
                ascii = false;
            } else if (b < 0x20 && b != '\n') {
                throw new FormatException(context + String.format(": control character 0x%02x at byte %d", b, i));
            }
        }
        if (!ascii) {
            try {
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, 0, length));
            } catch (CharacterCodingException e) {
                throw new FormatException(context + ": not valid UTF-8", e);
            }
        }
    }

    /**
     * Verifies the note against the known keys (c2sp.org/signed-note §"Signatures"): signatures whose (name, key id)
     * match no known key are ignored; every signature that matches one must verify; at least one must.
     */
    public Note open(List<? extends NoteVerifier> known) throws NoteVerificationException {
        List<Note.VerifiedSignature> verified = new ArrayList<>();
        List<NoteSignature> unverified = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NoteSignature sig : signatures) {
            NoteVerifier verifier = null;
            for (NoteVerifier v : known) {
                if (sig.sameKey(v)) {
                    verifier = v;
                    break;
                }
            }
            if (verifier == null) {
                unverified.add(sig);
                continue;
            }
            if (!seen.add(sig.keyName() + "+" + KeyId.hex(sig.keyId()))) {
                continue; // repeated signature by one key: the first one counts
            }
            if (!verifier.verify(text, sig.signature().toByteArray())) {
                throw new NoteVerificationException("while verifying a signed note: the signature by known key "
                        + sig.keyName() + "+" + KeyId.hex(sig.keyId()) + " is invalid");
            }
            verified.add(new Note.VerifiedSignature(verifier, sig));
        }
        if (verified.isEmpty()) {
            throw new NoteVerificationException("while verifying a signed note: no signature by a known key ("
                    + signatures.size() + " signatures, " + known.size() + " known keys)");
        }
        return new Note(Bytes.of(text), verified, unverified);
    }

    /** Signs {@code text} (UTF-8, ends with a newline, no control characters but newline) with each signer. */
    public static SignedNote sign(String text, List<? extends NoteSigner> signers) throws FormatException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        String context = "while signing a note";
        checkText(context, bytes, bytes.length);
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
            throw new FormatException(context + ": text does not end with a newline");
        }
        List<NoteSignature> sigs = new ArrayList<>();
        for (NoteSigner s : signers) {
            sigs.add(new NoteSignature(s.name(), s.keyId(), Bytes.of(s.sign(bytes))));
        }
        return new SignedNote(bytes, sigs);
    }

    /** This note with one more signature line appended (e.g. a witness cosignature). */
    public SignedNote withSignature(NoteSignature signature) {
        List<NoteSignature> sigs = new ArrayList<>(signatures);
        sigs.add(signature);
        return new SignedNote(text, sigs);
    }

    /** This note with only the signature lines {@code keep} accepts (e.g. without stale cosignatures). */
    public SignedNote keepSignatures(java.util.function.Predicate<NoteSignature> keep) {
        return new SignedNote(text, signatures.stream().filter(keep).toList());
    }

    /** The wire form: text, a blank line, the signature lines. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + 128 * signatures.size());
        out.writeBytes(text);
        out.write('\n');
        for (NoteSignature s : signatures) {
            out.writeBytes(s.line().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /**
     * This note with the signature lines of {@code lines} appended, e.g. a witness's add-checkpoint response
     * (c2sp.org/tlog-witness): the lines are parsed, not verified; {@link #open} verifies them.
     */
    public SignedNote withSignatureLines(byte[] lines) throws FormatException {
        // Parse "x\n\n" + lines with the normal parser, so that the same rules apply to every signature line.
        byte[] probe = new byte[3 + lines.length];
        probe[0] = 'x';
        probe[1] = '\n';
        probe[2] = '\n';
        System.arraycopy(lines, 0, probe, 3, lines.length);
        SignedNote parsed = parse(probe);
        if (parsed.text.length != 2) {
            throw new FormatException("while adding signature lines: they hold a blank line");
        }
        List<NoteSignature> sigs = new ArrayList<>(signatures);
        sigs.addAll(parsed.signatures);
        if (sigs.size() > MAX_SIGNATURES) {
            throw new FormatException("while adding signature lines: more than " + MAX_SIGNATURES + " signatures");
        }
        return new SignedNote(text, sigs);
    }

    @Override
    public String toString() {
        return new String(encode(), StandardCharsets.UTF_8);
    }
}
