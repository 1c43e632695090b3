package dev.cloister.server.command;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.KeyFiles;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.Cosigner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Argument values that picocli cannot type by itself (hex digests, verifier keys, key files): each is parsed here, and a
 * bad one is a {@link UsageException} naming its option. A key file that is missing or unreadable leaves as the I/O
 * exception, which the launcher names the same way.
 */
public final class Arguments {

    private Arguments() {}

    /** {@code length} bytes written as hex. */
    public static byte[] hex(String option, String text, int length) {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + " " + text, "not hex (" + e.getMessage() + ")");
        }
        if (bytes.length != length) {
            throw new UsageException(option + " " + text, "want " + length + " bytes in hex, got " + bytes.length);
        }
        return bytes;
    }

    public static VerifierKey vkey(String option, String text) {
        try {
            return VerifierKey.parse(text);
        } catch (FormatException e) {
            throw new UsageException(option + " " + text, e.getMessage());
        }
    }

    public static CosignatureVerifier cosignatureVkey(String option, String text) {
        try {
            return CosignatureVerifier.fromVkey(text);
        } catch (FormatException e) {
            throw new UsageException(option + " " + text, e.getMessage());
        }
    }

    /** A log's or a submitter's key file (type 0x01). */
    public static Ed25519NoteSigner logSigner(String option, Path file) throws IOException {
        try {
            return KeyFiles.logSigner(file);
        } catch (FormatException e) {
            throw new UsageException(option + " " + file, e.getMessage());
        }
    }

    /** A witness's key file (type 0x04). */
    public static Cosigner cosigner(String option, Path file) throws IOException {
        try {
            return KeyFiles.cosigner(file);
        } catch (FormatException e) {
            throw new UsageException(option + " " + file, e.getMessage());
        }
    }

    /** An http or https URL, else a usage error that names the option and the scheme. */
    public static java.net.URI webUrl(String option, java.net.URI url) {
        String scheme = url.getScheme();
        if (scheme == null || url.getHost() == null) {
            throw new UsageException(option + " " + url, "not an absolute http:// or https:// URL");
        }
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            throw new UsageException(option + " " + url, "scheme " + scheme + " is not supported (http or https)");
        }
        return url;
    }
}
