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
 * A release signed by a release key (entry type 0x10, version 2 of the release format; type 0x12, version 3, when the
 * manifest names TDX platforms): the operator's submitter key only gets an entry into the log, while the release key,
 * held apart, says which software clients may accept.
 * <pre>
 * struct {
 *   ReleaseManifest manifest;   // of the entry type's format version
 *   opaque release_key[32];     // Ed25519 public key (RFC 8032)
 *   opaque signature[64];       // Ed25519 over "cloister/release/v2\n" (v3: "cloister/release/v3\n") || manifest
 * } SignedRelease;
 * </pre>
 * The format version follows from the manifest ({@link ReleaseManifest#formatVersion()}), so a manifest has one
 * encoding, and a signature over one version's message never verifies as the other's.
 * Decoding checks the encoding only; {@link #verifiedBy} checks the signature, and a client reads the manifest only
 * after it.
 */
public record SignedRelease(ReleaseManifest manifest, Bytes releaseKey, Bytes signature) implements LedgerEntry {

    public static final int TYPE = 0x10;
    /** The entry type of release format v3 (TDX platforms). */
    public static final int TYPE_V3 = 0x12;

    /** What precedes a version 2 manifest in the signed message (domain separation). */
    public static final String CONTEXT = "cloister/release/v2\n";
    /** What precedes a version 3 manifest in the signed message. */
    public static final String CONTEXT_V3 = "cloister/release/v3\n";

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

    /**
     * The message a release key signs: {@link #CONTEXT} (or {@link #CONTEXT_V3} for a version 3 manifest) followed by
     * the manifest's canonical encoding.
     */
    public static byte[] signedBytes(ReleaseManifest manifest) {
        byte[] context = (manifest.formatVersion() == 3 ? CONTEXT_V3 : CONTEXT).getBytes(StandardCharsets.US_ASCII);
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
        CanonicalWriter w = LedgerEntry.header(manifest.formatVersion() == 3 ? TYPE_V3 : TYPE);
        manifest.write(w);
        w.fixed(releaseKey).fixed(signature);
        return LedgerEntry.finish(w);
    }

    /** Reads the body of an entry of release format {@code version} (2: type 0x10, 3: type 0x12). */
    static SignedRelease read(CanonicalReader r, int version) throws FormatException {
        ReleaseManifest manifest = ReleaseManifest.read(r, version);
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
