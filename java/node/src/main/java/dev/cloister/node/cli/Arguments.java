package dev.cloister.node.cli;

import dev.cloister.client.cli.UsageException;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.VerifierKey;
import dev.cloister.ledger.witness.CosignatureVerifier;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.node.ledger.KeyFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Argument values that picocli cannot type by itself (hex digests, verifier keys, key files): each is parsed here, and a
 * bad one is a {@link UsageException} naming its option. A key file that is missing or unreadable leaves as the I/O
 * exception, which the launcher names the same way.
 */
final class Arguments {

    private Arguments() {
    }

    /** {@code length} bytes written as hex. */
    static byte[] hex(String option, String text, int length) {
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

    static VerifierKey vkey(String option, String text) {
        try {
            return VerifierKey.parse(text);
        } catch (FormatException e) {
            throw new UsageException(option + " " + text, e.getMessage());
        }
    }

    static CosignatureVerifier cosignatureVkey(String option, String text) {
        try {
            return CosignatureVerifier.fromVkey(text);
        } catch (FormatException e) {
            throw new UsageException(option + " " + text, e.getMessage());
        }
    }

    /** A log's or a submitter's key file (type 0x01). */
    static Ed25519NoteSigner logSigner(String option, Path file) throws IOException {
        try {
            return KeyFiles.logSigner(file);
        } catch (FormatException e) {
            throw new UsageException(option + " " + file, e.getMessage());
        }
    }

    /** A witness's key file (type 0x04). */
    static Cosigner cosigner(String option, Path file) throws IOException {
        try {
            return KeyFiles.cosigner(file);
        } catch (FormatException e) {
            throw new UsageException(option + " " + file, e.getMessage());
        }
    }
}
