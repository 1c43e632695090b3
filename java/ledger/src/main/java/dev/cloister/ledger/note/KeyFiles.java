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
 * Key files of the ledger roles. A signer key file holds one C2SP note signer key ({@code PRIVATE+KEY+name+hash+key}):
 * a log's or a submitter's key is of type 0x01 (Ed25519 note signatures); a witness's is of type 0x04 (cosignature/v1,
 * c2sp.org/tlog-cosignature), with the key id of its cosignature vkey. Each role refuses the other's key, so a key made
 * for one cannot sign as the other. A verifier key file holds vkeys, one per line.
 */
public final class KeyFiles {

    private KeyFiles() {}

    public static Ed25519NoteSigner logSigner(Path file) throws IOException, FormatException {
        String skey = read(file);
        if (type(skey) == SignatureType.COSIGNATURE_V1.id()) {
            throw new FormatException("a witness key (type 0x04, cosignature/v1), not a log or submitter key: make one "
                    + "with 'cloister ledger keygen' without --witness");
        }
        return Ed25519NoteSigner.parse(skey);
    }

    /** The witness's cosigner, from a type 0x04 key file ({@link #witnessSecret}). */
    public static Cosigner cosigner(Path file) throws IOException, FormatException {
        String skey = read(file);
        byte type = type(skey);
        if (type == SignatureType.ED25519.id()) {
            throw new FormatException("a log or submitter key (type 0x01), not a witness key: make one with "
                    + "'cloister ledger keygen --witness'");
        }
        if (type != SignatureType.COSIGNATURE_V1.id()) {
            throw new FormatException(String.format("key type 0x%02x is not a witness key (0x04)", type));
        }
        // As a note signer key (type 0x01) the same text parses with all its checks; the key id is the cosigner's.
        String[] parts = skey.split("\\+", 5);
        byte[] material = Base64.getDecoder().decode(parts[4]);
        try {
            material[0] = SignatureType.ED25519.id();
            Ed25519PrivateKey key = Ed25519PrivateKey.fromSeed(Arrays.copyOfRange(material, 1, 33));
            Cosigner cosigner = new Cosigner(parts[2], key);
            String asNoteKey = String.join(
                    "+",
                    parts[0],
                    parts[1],
                    parts[2],
                    KeyId.hex(new Ed25519NoteSigner(parts[2], key).keyId()),
                    Base64.getEncoder().encodeToString(material));
            Ed25519NoteSigner.parse(asNoteKey);
            if (!parts[3].equals(KeyId.hex(cosigner.verifier().keyId()))) {
                throw new FormatException("witness key id " + parts[3] + " does not match the key, want "
                        + KeyId.hex(cosigner.verifier().keyId()));
            }
            return cosigner;
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** The secret key text of a witness: {@code PRIVATE+KEY+<name>+<cosignature key id>+base64(0x04 || seed)}. */
    public static String witnessSecret(String name, Ed25519PrivateKey key) {
        String[] parts = new Ed25519NoteSigner(name, key).encodeSecret().split("\\+", 5);
        byte[] material = Base64.getDecoder().decode(parts[4]);
        try {
            material[0] = SignatureType.COSIGNATURE_V1.id();
            return String.join(
                    "+",
                    parts[0],
                    parts[1],
                    name,
                    KeyId.hex(new Cosigner(name, key).verifier().keyId()),
                    Base64.getEncoder().encodeToString(material));
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** The signature type byte of an skey (the first byte of its key material). */
    private static byte type(String skey) throws FormatException {
        String[] parts = skey.split("\\+", 5);
        if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")) {
            throw new FormatException("not a secret key file: want PRIVATE+KEY+name+hash+key");
        }
        byte[] material;
        try {
            material = Base64.getDecoder().decode(parts[4]);
        } catch (IllegalArgumentException e) {
            throw new FormatException("not a secret key file: the key is not base64");
        }
        try {
            if (material.length != 33)
                throw new FormatException("not a secret key file: want a type byte and a 32-byte seed");
            return material[0];
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
            out.add(new Ed25519NoteVerifier(key.name(), key.publicKey().toByteArray()));
        }
        return out;
    }

    /**
     * Writes a new secret key file, readable by its owner only from its creation; never replaces one
     * ({@link java.nio.file.FileAlreadyExistsException}: a key that signed entries or cosignatures is not lost by a
     * mistyped path; delete it first to replace it).
     */
    public static void writeSecret(Path file, String skey) throws IOException {
        java.util.Set<java.nio.file.OpenOption> create =
                java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(
                    file, create, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            channel = Files.newByteChannel(file, create); // best effort on non-POSIX file systems
        }
        try (java.nio.channels.SeekableByteChannel out = channel) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap((skey + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) out.write(bytes);
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
