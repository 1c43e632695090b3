package dev.cloister.ledger.note;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.witness.Cosigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Key files of the ledger roles. A signer key file holds one C2SP note signer key ({@code PRIVATE+KEY+name+hash+key});
 * the same file format serves a log (signing checkpoints) and a witness (cosigning them under tlog-cosignature/v1).
 * A verifier key file holds vkeys, one per line.
 */
public final class KeyFiles {

    private KeyFiles() {}

    public static Ed25519NoteSigner logSigner(Path file) throws IOException, FormatException {
        return Ed25519NoteSigner.parse(read(file));
    }

    /** The witness's cosigner: the skey is validated as a note key, then its seed signs cosignatures. */
    public static Cosigner cosigner(Path file) throws IOException, FormatException {
        String skey = read(file);
        Ed25519NoteSigner checked = Ed25519NoteSigner.parse(skey);
        // PRIVATE+KEY+<name>+<key id>+<base64>: the base64 may itself contain '+', so split at the first four only.
        String[] parts = skey.strip().split("\\+", 5);
        byte[] material = Base64.getDecoder().decode(parts[4]);
        try {
            return new Cosigner(checked.name(), Ed25519PrivateKey.fromSeed(Arrays.copyOfRange(material, 1, 33)));
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** Ed25519 note verifier keys, one vkey per line (blank lines and {@code #} comments ignored). */
    public static List<Ed25519NoteVerifier> verifiers(Path file) throws IOException, FormatException {
        List<Ed25519NoteVerifier> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String vkey = line.strip();
            if (vkey.isEmpty() || vkey.startsWith("#")) continue;
            VerifierKey key = VerifierKey.parse(vkey);
            out.add(new Ed25519NoteVerifier(key.name(), key.publicKey()));
        }
        return out;
    }

    /** Writes a secret key file readable by its owner only. */
    public static void writeSecret(Path file, String skey) throws IOException {
        Files.writeString(file, skey + "\n", StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // best effort on non-POSIX file systems
        }
    }

    private static String read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (text.length() > VerifierKey.MAX_LENGTH) {
            throw new IOException("key file " + file + " is too long");
        }
        return text;
    }
}
