package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * A release signed by a release key (entry type 0x10, version 3 of the release format): the operator's submitter key
 * only gets an entry into the log, while the release key, held apart, says which software clients may accept.
 * <pre>
 * struct {
 *   ReleaseManifest manifest;
 *   opaque release_key[32];     // Ed25519 public key (RFC 8032)
 *   opaque signature[64];       // Ed25519 over "cloister/release/v3\n" || manifest
 * } SignedRelease;
 * </pre>
 * Decoding checks the encoding only; {@link #verifiedBy} checks the signature, and a client reads the manifest only
 * after it.
 */
public record SignedRelease(ReleaseManifest manifest, Bytes releaseKey, Bytes signature) implements LedgerEntry {

    public static final int TYPE = 0x10;

    /** What precedes the manifest in the signed message (domain separation). */
    public static final String CONTEXT = "cloister/release/v3\n";

    public SignedRelease {
        if (releaseKey.length() != Ed25519PublicKey.SIZE) {
            throw new IllegalArgumentException("release key of " + releaseKey.length() + " bytes, want 32");
        }
        if (signature.length() != Ed25519PublicKey.SIGNATURE_SIZE) {
            throw new IllegalArgumentException("release signature of " + signature.length() + " bytes, want 64");
        }
    }

    /** Signs {@code manifest} with {@code releaseKey}. */
    public static SignedRelease sign(ReleaseManifest manifest, Ed25519NoteSigner releaseKey) {
        byte[] key = releaseKey.verifier().verifierKey().publicKey().toByteArray();
        return new SignedRelease(manifest, Bytes.of(key), Bytes.of(releaseKey.sign(signedBytes(manifest))));
    }

    /** The message a release key signs: {@link #CONTEXT} followed by the manifest's canonical encoding. */
    public static byte[] signedBytes(ReleaseManifest manifest) {
        byte[] context = CONTEXT.getBytes(StandardCharsets.US_ASCII);
        byte[] body = manifest.encode();
        byte[] out = new byte[context.length + body.length];
        System.arraycopy(context, 0, out, 0, context.length);
        System.arraycopy(body, 0, out, context.length, body.length);
        return out;
    }

    /**
     * The key among {@code trusted} (raw 32-byte Ed25519 public keys) that is this entry's release key, if the
     * signature verifies under it; empty if the key is not trusted or the signature does not verify.
     */
    public Optional<Bytes> verifiedBy(Collection<Bytes> trusted) {
        for (Bytes key : trusted) {
            if (!key.equals(releaseKey)) continue;
            Ed25519PublicKey pk;
            try {
                pk = Ed25519PublicKey.of(key.toByteArray());
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            byte[] message = signedBytes(manifest);
            return pk.verify(signature.toByteArray(), 0, message, 0, message.length)
                    ? Optional.of(key)
                    : Optional.empty();
        }
        return Optional.empty();
    }

    /** The name a {@link ReleaseRevocation} gives this release: SHA-256 of the entry's canonical encoding. */
    public Digest digest() {
        return new Digest(Digest.Algorithm.SHA_256, Bytes.of(TreeHash.sha256(encode())));
    }

    @Override
    public byte[] encode() {
        CanonicalWriter w = LedgerEntry.header(TYPE);
        manifest.write(w);
        w.fixed(releaseKey).fixed(signature);
        return LedgerEntry.finish(w);
    }

    static SignedRelease read(CanonicalReader r) throws FormatException {
        ReleaseManifest manifest = ReleaseManifest.read(r);
        Bytes key = Bytes.of(r.fixed(Ed25519PublicKey.SIZE, "release key"));
        Bytes sig = Bytes.of(r.fixed(Ed25519PublicKey.SIGNATURE_SIZE, "release signature"));
        return new SignedRelease(manifest, key, sig);
    }

    @Override
    public String toString() {
        return "SignedRelease[" + manifest.release() + ", " + manifest.notBefore() + " .. " + manifest.notAfter()
                + ", key " + releaseKey.hex() + "]";
    }
}
