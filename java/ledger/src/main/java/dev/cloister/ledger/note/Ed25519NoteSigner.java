package dev.cloister.ledger.note;

import dev.cloister.ledger.FormatException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Signs notes with an Ed25519 (type 0x01) key. Reads and writes the signer key ("skey") text encoding of
 * golang.org/x/mod/sumdb/note: {@code PRIVATE+KEY+<name>+hex(key id)+base64(0x01 || 32-byte seed)}.
 */
public final class Ed25519NoteSigner implements NoteSigner {

    private static final String PREFIX = "PRIVATE+KEY+";

    private final String name;
    private final int keyId;
    private final Ed25519PrivateKey key;
    private final Ed25519NoteVerifier verifier;

    public Ed25519NoteSigner(String name, Ed25519PrivateKey key) {
        this.verifier = new Ed25519NoteVerifier(name, key.publicKey().encoded());
        this.name = name;
        this.key = key;
        this.keyId = verifier.keyId();
    }

    /** A new key with a random seed. */
    public static Ed25519NoteSigner generate(String name, SecureRandom random) {
        return new Ed25519NoteSigner(name, Ed25519PrivateKey.generate(random));
    }

    /** Parses an skey; the key id must be the one derived from the name and the public key. */
    public static Ed25519NoteSigner parse(String skey) throws FormatException {
        String context = "while parsing a signer key";
        if (skey.length() > VerifierKey.MAX_LENGTH || !skey.startsWith(PREFIX)) {
            throw new FormatException(context + ": want PRIVATE+KEY+name+hash+key");
        }
        String rest = skey.substring(PREFIX.length());
        int p1 = rest.indexOf('+');
        int p2 = p1 < 0 ? -1 : rest.indexOf('+', p1 + 1);
        if (p1 <= 0 || p2 < 0) { // the base64 key may itself hold plus signs
            throw new FormatException(context + ": want PRIVATE+KEY+name+hash+key");
        }
        String name = rest.substring(0, p1);
        if (!KeyId.isValidName(name)) {
            throw new FormatException(context + ": invalid key name");
        }
        int keyId = VerifierKey.parseKeyId(context, rest.substring(p1 + 1, p2));
        byte[] material = VerifierKey.decodeBase64(context, rest.substring(p2 + 1));
        try {
            if (material.length != 33 || material[0] != SignatureType.ED25519.id()) {
                throw new FormatException(context + ": want 0x01 followed by a 32-byte Ed25519 seed");
            }
            Ed25519NoteSigner signer =
                    new Ed25519NoteSigner(name, Ed25519PrivateKey.fromSeed(Arrays.copyOfRange(material, 1, 33)));
            if (signer.keyId != keyId) {
                throw new FormatException(context + ": key id " + KeyId.hex(keyId) + " does not match the key, want "
                        + KeyId.hex(signer.keyId));
            }
            return signer;
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** The skey text. Its result is secret. */
    public String encodeSecret() {
        byte[] material = new byte[33];
        material[0] = SignatureType.ED25519.id();
        byte[] seed = key.seedForEncoding();
        System.arraycopy(seed, 0, material, 1, 32);
        Arrays.fill(seed, (byte) 0);
        String out = PREFIX + name + "+" + KeyId.hex(keyId) + "+"
                + Base64.getEncoder().encodeToString(material);
        Arrays.fill(material, (byte) 0);
        return out;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int keyId() {
        return keyId;
    }

    @Override
    public byte[] sign(byte[] text) {
        return key.sign(text);
    }

    @Override
    public Ed25519NoteVerifier verifier() {
        return verifier;
    }

    @Override
    public String toString() {
        return "Ed25519NoteSigner[" + verifier + "]";
    }
}
