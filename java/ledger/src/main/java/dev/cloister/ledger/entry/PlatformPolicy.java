package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.NoteSigner;
import dev.cloister.ledger.note.NoteVerifier;
import dev.cloister.ledger.note.SignatureType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A signed platform policy (entry type 0x05): the lowest SEV-SNP TCB a client accepts for each AMD product line, so
 * that floors can rise with AMD's security bulletins without a client update. Clients take the newest witnessed one
 * whose signature verifies under the key they are configured with, and never go below the floors they ship with.
 * <pre>
 * struct {
 *   uint64 issued_at;                   // POSIX seconds; the newest valid entry wins
 *   TcbFloor floors&lt;1..3&gt;;              // uint8 count; strictly ascending product
 *   opaque signer&lt;1..255&gt;;             // the signing key's name (c2sp.org/signed-note key name)
 *   uint32 key_id;                      // its key id (SHA-256(name || 0x0A || 0x01 || public key)[:4])
 *   opaque signature[64];               // Ed25519 over DOMAIN || this encoding up to key_id inclusive
 * } PlatformPolicy;
 *
 * struct {
 *   uint8 product;                      // 0x01 Milan, 0x02 Genoa, 0x03 Turin
 *   uint8 fmc;                          // 0 unless Turin
 *   uint8 bootloader; uint8 tee; uint8 snp; uint8 microcode;   // SPLs, as in TCB_VERSION
 * } TcbFloor;
 * </pre>
 *
 * The signature covers the entry header, so it can never be replayed as a signature over another entry type; the
 * domain separator {@value #DOMAIN} keeps it apart from anything else the key signs (ledger submissions, notes).
 */
public record PlatformPolicy(Instant issuedAt, List<TcbFloor> floors, String signer, int keyId, Bytes signature)
        implements LedgerEntry {

    public static final int TYPE = 0x05;
    /** What a policy signature covers before the entry bytes. */
    public static final String DOMAIN = "cloister/platform-policy/v1\n";

    static final int SIGNATURE_LENGTH = 64;

    /** An AMD EPYC product line, as the entry names it. */
    public enum Product {
        MILAN(0x01),
        GENOA(0x02),
        TURIN(0x03);

        private final int id;

        Product(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        static Product of(int id) throws FormatException {
            for (Product p : values()) {
                if (p.id == id) {
                    return p;
                }
            }
            throw new FormatException("while reading a platform policy: unknown product 0x" + Integer.toHexString(id));
        }
    }

    /**
     * The lowest TCB a product line may report: each component is a security patch level (0..255).
     *
     * @param fmc FMC SPL (Turin only; 0 otherwise)
     */
    public record TcbFloor(Product product, int fmc, int bootloader, int tee, int snp, int microcode) {
        public TcbFloor {
            Objects.requireNonNull(product, "product");
            for (int v : new int[] {fmc, bootloader, tee, snp, microcode}) {
                if (v < 0 || v > 255) {
                    throw new IllegalArgumentException("TCB component out of range 0..255: " + v);
                }
            }
            if (product != Product.TURIN && fmc != 0) {
                throw new IllegalArgumentException("an FMC SPL exists only on Turin");
            }
        }

        /**
         * Parses the command-line form {@code milan:BL:TEE:SNP:UCODE}, {@code genoa:BL:TEE:SNP:UCODE} or
         * {@code turin:FMC:BL:TEE:SNP:UCODE}, each SPL decimal or {@code 0x} hex.
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        public static TcbFloor parse(String text) {
            String[] f = text.split(":", -1);
            Product p = switch (f[0].toLowerCase(java.util.Locale.ROOT)) {
                case "milan" -> Product.MILAN;
                case "genoa" -> Product.GENOA;
                case "turin" -> Product.TURIN;
                default ->
                    throw new IllegalArgumentException(
                            "TCB floor \"" + text + "\": unknown product (milan, genoa, turin)");
            };
            int n = p == Product.TURIN ? 6 : 5;
            if (f.length != n) {
                throw new IllegalArgumentException("TCB floor \"" + text + "\": want " + f[0]
                        + (p == Product.TURIN ? ":FMC" : "") + ":BL:TEE:SNP:UCODE");
            }
            int[] v = new int[n - 1];
            for (int i = 1; i < n; i++) {
                try {
                    v[i - 1] = f[i].startsWith("0x") ? Integer.parseInt(f[i].substring(2), 16) : Integer.parseInt(f[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("TCB floor \"" + text + "\": " + f[i] + " is not a number", e);
                }
            }
            return p == Product.TURIN
                    ? new TcbFloor(p, v[0], v[1], v[2], v[3], v[4])
                    : new TcbFloor(p, 0, v[0], v[1], v[2], v[3]);
        }

        void write(CanonicalWriter w) {
            w.u8(product.id).u8(fmc).u8(bootloader).u8(tee).u8(snp).u8(microcode);
        }

        static TcbFloor read(CanonicalReader r) throws FormatException {
            Product p = Product.of(r.u8("product"));
            int fmc = r.u8("fmc");
            int bl = r.u8("bootloader");
            int tee = r.u8("tee");
            int snp = r.u8("snp");
            int ucode = r.u8("microcode");
            return new TcbFloor(p, fmc, bl, tee, snp, ucode);
        }
    }

    public PlatformPolicy {
        Objects.requireNonNull(issuedAt, "issuedAt");
        LedgerEntry.checkSeconds("issued_at", issuedAt);
        floors = List.copyOf(floors);
        if (floors.isEmpty() || floors.size() > Product.values().length) {
            throw new IllegalArgumentException(floors.size() + " TCB floors, want 1 to " + Product.values().length);
        }
        for (int i = 1; i < floors.size(); i++) {
            if (floors.get(i - 1).product().id >= floors.get(i).product().id) {
                throw new IllegalArgumentException("TCB floors not in strictly ascending product order");
            }
        }
        EnclaveRelease.checkText("signer name", signer);
        Objects.requireNonNull(signature, "signature");
        if (signature.length() != SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 signature is 64 bytes, got " + signature.length());
        }
    }

    /** Signs {@code floors} at {@code issuedAt} with {@code key} (an Ed25519 note key). */
    public static PlatformPolicy sign(Instant issuedAt, List<TcbFloor> floors, NoteSigner key) {
        if (key.verifier().type() != SignatureType.ED25519) {
            throw new IllegalArgumentException("platform policies are signed with Ed25519 keys");
        }
        PlatformPolicy unsigned =
                new PlatformPolicy(issuedAt, floors, key.name(), key.keyId(), Bytes.of(new byte[SIGNATURE_LENGTH]));
        return new PlatformPolicy(
                issuedAt, floors, key.name(), key.keyId(), Bytes.of(key.sign(unsigned.signedBytes())));
    }

    /** The floor for {@code product}, if this policy sets one. */
    public Optional<TcbFloor> floor(Product product) {
        return floors.stream().filter(f -> f.product() == product).findFirst();
    }

    /**
     * Whether {@code key} made this policy's signature: the key name and id must be the entry's, and the Ed25519
     * signature must verify over {@value #DOMAIN} and the entry up to its key id.
     */
    public boolean signedBy(NoteVerifier key) {
        return key.type() == SignatureType.ED25519
                && key.name().equals(signer)
                && key.keyId() == keyId
                && key.verify(signedBytes(), signature.toByteArray());
    }

    /** The bytes the signature covers. */
    byte[] signedBytes() {
        byte[] domain = DOMAIN.getBytes(StandardCharsets.US_ASCII);
        byte[] body = unsignedPart().toByteArray();
        byte[] out = new byte[domain.length + body.length];
        System.arraycopy(domain, 0, out, 0, domain.length);
        System.arraycopy(body, 0, out, domain.length, body.length);
        return out;
    }

    private CanonicalWriter unsignedPart() {
        CanonicalWriter w =
                LedgerEntry.header(TYPE).u64(issuedAt.getEpochSecond()).u8(floors.size());
        floors.forEach(f -> f.write(w));
        return w.string8(signer).u32(keyId);
    }

    @Override
    public byte[] encode() {
        return LedgerEntry.finish(unsignedPart().fixed(signature));
    }

    static PlatformPolicy read(CanonicalReader r) throws FormatException {
        Instant issued = LedgerEntry.readSeconds(r, "issued_at");
        int n = r.u8("TCB floor count");
        if (n < 1 || n > Product.values().length) {
            throw new FormatException("while reading a platform policy: " + n + " TCB floors, want 1 to 3");
        }
        List<TcbFloor> floors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            floors.add(TcbFloor.read(r));
        }
        String signer = r.string8("signer name");
        int keyId = r.u32("key id");
        Bytes signature = Bytes.of(r.fixed(SIGNATURE_LENGTH, "signature"));
        return new PlatformPolicy(issued, floors, signer, keyId, signature);
    }

    @Override
    public String toString() {
        return "PlatformPolicy[" + issuedAt + ", " + floors + ", signed by " + signer + "]";
    }
}
