package dev.cloister.ledger.entry;

import static dev.cloister.ledger.entry.LedgerEntryTest.filled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Release format v2 (0x10; v3 0x12 where a GPU count needs it), its revocation (0x11); old entries still parse. */
class SignedReleaseTest {

    static final Instant NB = Instant.parse("2026-12-01T00:00:00Z");
    static final Instant NA = Instant.parse("2027-03-01T00:00:00Z");
    static final Ed25519NoteSigner RELEASE_KEY = new Ed25519NoteSigner(
            "release.cloister.example",
            Ed25519PrivateKey.fromSeed(filled(32, 0x01).toByteArray()));
    static final Ed25519NoteSigner OTHER_KEY = new Ed25519NoteSigner(
            "release.cloister.example",
            Ed25519PrivateKey.fromSeed(filled(32, 0x02).toByteArray()));

    static ReleaseManifest manifest(List<SnpShape> shapes, Optional<TdxRuntime> tdx) {
        return new ReleaseManifest(
                "cloister-enclave 0.2.0",
                NB,
                NA,
                0,
                false,
                shapes,
                tdx,
                List.of(),
                List.of(),
                0,
                List.of(
                        new ImageDigest("initrd.cpio.zst", new Digest(Digest.Algorithm.SHA_256, filled(32, 0x61))),
                        new ImageDigest("vmlinuz", new Digest(Digest.Algorithm.SHA_256, filled(32, 0x62)))),
                Bytes.of("{\"vcpus\":4}".getBytes(StandardCharsets.UTF_8)),
                "0123456789abcdef0123456789abcdef01234567",
                new Digest(Digest.Algorithm.SHA_256, filled(32, 0x77)));
    }

    static ReleaseManifest manifest() {
        return manifest(
                List.of(new SnpShape(1, 1, filled(48, 0x11)), new SnpShape(4, 1, filled(48, 0x14))),
                Optional.of(new TdxRuntime(filled(48, 0x21), filled(48, 0x22))));
    }

    static Bytes rawKey(Ed25519NoteSigner s) {
        return s.verifier().verifierKey().publicKey();
    }

    @Test
    void roundTripsAndVerifiesUnderItsReleaseKey() throws Exception {
        SignedRelease signed = SignedRelease.sign(manifest(), RELEASE_KEY);
        byte[] wire = signed.encode();
        assertEquals(0x10, wire[3]);
        LedgerEntry decoded = LedgerEntry.decode(wire);
        assertEquals(signed, decoded);
        assertArrayEquals(wire, decoded.encode());
        assertEquals(
                Optional.of(rawKey(RELEASE_KEY)), signed.verifiedBy(List.of(rawKey(OTHER_KEY), rawKey(RELEASE_KEY))));
        // The fuzz seed signed-release is this entry (regenerate it from here when the format changes).
        assertArrayEquals(
                wire,
                java.nio.file.Files.readAllBytes(java.nio.file.Path.of(
                        "src/test/resources/dev/cloister/ledger/entry/LedgerEntryFuzzTestInputs/decodeIsCanonical/"
                                + "signed-release")));
        assertTrue(signed.manifest().validAt(NB));
        assertFalse(signed.manifest().validAt(NA));
        assertFalse(signed.manifest().validAt(NB.minusSeconds(1)));
    }

    static final GpuReferenceValue HOPPER = new GpuReferenceValue(
            "HOPPER",
            new Digest(Digest.Algorithm.SHA_384, filled(48, 1)),
            new Digest(Digest.Algorithm.SHA_384, filled(48, 2)));

    static ReleaseManifest withGpus(int count) {
        return manifest().withGpus(count == 0 ? List.of() : List.of(HOPPER), count);
    }

    /** HOPPER with another VBIOS RIM (a second VBIOS version of the same fleet), the same driver RIM. */
    static final GpuReferenceValue HOPPER_VBIOS_B = new GpuReferenceValue(
            "HOPPER",
            new Digest(Digest.Algorithm.SHA_384, filled(48, 1)),
            new Digest(Digest.Algorithm.SHA_384, filled(48, 3)));

    @Test
    void aModelMayNameSeveralVbiosRimsWithOneDriverRimInOrder() throws Exception {
        ReleaseManifest both = manifest().withGpus(List.of(HOPPER, HOPPER_VBIOS_B), 2);
        SignedRelease signed = SignedRelease.sign(both, RELEASE_KEY);
        SignedRelease decoded = (SignedRelease) LedgerEntry.decode(signed.encode());
        assertEquals(List.of(HOPPER, HOPPER_VBIOS_B), decoded.manifest().gpus());
        assertArrayEquals(signed.encode(), decoded.encode());
        assertEquals(Optional.of(rawKey(RELEASE_KEY)), decoded.verifiedBy(List.of(rawKey(RELEASE_KEY))));
        // One encoding: out of (model, VBIOS RIM) order, or the same pair twice, is refused when built and on the wire.
        ReleaseManifest m = manifest();
        IllegalArgumentException order =
                assertThrows(IllegalArgumentException.class, () -> m.withGpus(List.of(HOPPER_VBIOS_B, HOPPER), 2));
        assertTrue(order.getMessage().contains("strictly ascending (model, VBIOS RIM)"), order.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.withGpus(List.of(HOPPER, HOPPER), 2));
        byte[] wire = signed.encode();
        byte[] swapped = wire.clone();
        int vbiosB = indexOf(wire, filled(48, 3).toByteArray());
        // One entry before: model<1..255> "HOPPER" (7 bytes), driver and VBIOS digests (1 + 48 bytes each).
        int vbiosA = vbiosB - (7 + 49 + 49);
        assertArrayEquals(filled(48, 2).toByteArray(), Arrays.copyOfRange(wire, vbiosA, vbiosA + 48));
        System.arraycopy(filled(48, 3).toByteArray(), 0, swapped, vbiosA, 48);
        System.arraycopy(filled(48, 2).toByteArray(), 0, swapped, vbiosB, 48);
        FormatException x = assertThrows(FormatException.class, () -> LedgerEntry.decode(swapped));
        assertTrue(x.getMessage().contains("strictly ascending (model, VBIOS RIM)"), x.getMessage());
        // One driver per model: two driver RIMs for one model are refused.
        GpuReferenceValue otherDriver = new GpuReferenceValue(
                "HOPPER",
                new Digest(Digest.Algorithm.SHA_384, filled(48, 4)),
                new Digest(Digest.Algorithm.SHA_384, filled(48, 3)));
        IllegalArgumentException drivers =
                assertThrows(IllegalArgumentException.class, () -> m.withGpus(List.of(HOPPER, otherDriver), 2));
        assertTrue(drivers.getMessage().contains("names two driver RIMs"), drivers.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void theGpuCountIsSignedAndBounded() throws Exception {
        SignedRelease two = SignedRelease.sign(withGpus(2), RELEASE_KEY);
        SignedRelease decoded = (SignedRelease) LedgerEntry.decode(two.encode());
        assertEquals(2, decoded.manifest().gpuCount());
        assertEquals(SignedRelease.TYPE_V3, two.encode()[3], "a count v2 cannot say is written as v3");
        assertEquals(0, manifest().gpuCount(), "no GPU reference values: a CPU-only release by default");
        assertEquals(
                SignedRelease.TYPE, SignedRelease.sign(withGpus(0), RELEASE_KEY).encode()[3]);
        // A v3 entry that says only what v2 says (no TDX platform, the count v2 implies) is refused: one encoding.
        byte[] v3 = two.encode();
        int countAt =
                Arrays.mismatch(v3, SignedRelease.sign(withGpus(3), RELEASE_KEY).encode());
        v3[countAt] = 1; // one GPU with reference values: what v2 implies
        FormatException canonical = assertThrows(FormatException.class, () -> LedgerEntry.decode(v3));
        assertTrue(canonical.getMessage().contains("written in that version"), canonical.getMessage());
        // The count is in the signed bytes: changing it breaks the signature.
        byte[] a = two.encode();
        byte[] b = SignedRelease.sign(withGpus(3), RELEASE_KEY).encode();
        int at = Arrays.mismatch(a, b);
        assertEquals(2, a[at]);
        a[at] = 3;
        SignedRelease altered = (SignedRelease) LedgerEntry.decode(a);
        assertTrue(altered.verifiedBy(List.of(rawKey(RELEASE_KEY))).isEmpty());
        // More than one evidence bundle carries is refused on the wire and when built.
        a[at] = 9;
        FormatException x = assertThrows(FormatException.class, () -> LedgerEntry.decode(a));
        assertTrue(x.getMessage().contains("gpu_count 9"), x.getMessage());
        assertThrows(IllegalArgumentException.class, () -> withGpus(9));
        assertThrows(IllegalArgumentException.class, () -> withGpus(-1));
        // Reference values for a release on no GPU are refused.
        ReleaseManifest m = manifest();
        IllegalArgumentException none =
                assertThrows(IllegalArgumentException.class, () -> m.withGpus(List.of(HOPPER), 0));
        assertTrue(none.getMessage().contains("gpu_count 0"), none.getMessage());
        // GPUs without reference values would be appraised against other releases' RIMs: refused.
        IllegalArgumentException unpinned =
                assertThrows(IllegalArgumentException.class, () -> m.withGpus(List.of(), 2));
        assertTrue(unpinned.getMessage().contains("names no GPU reference values"), unpinned.getMessage());
    }

    @Test
    void refusesAnUntrustedKeyAndATamperedManifest() {
        SignedRelease signed = SignedRelease.sign(manifest(), RELEASE_KEY);
        assertTrue(signed.verifiedBy(List.of(rawKey(OTHER_KEY))).isEmpty(), "a key the client does not name");
        assertTrue(signed.verifiedBy(List.of()).isEmpty(), "no release key at all");
        ReleaseManifest other = manifest(List.of(new SnpShape(1, 1, filled(48, 0x99))), Optional.empty());
        SignedRelease swapped = new SignedRelease(other, signed.releaseKey(), signed.signature());
        assertTrue(swapped.verifiedBy(List.of(rawKey(RELEASE_KEY))).isEmpty(), "a signature over another manifest");
        SignedRelease byOther = SignedRelease.sign(manifest(), OTHER_KEY);
        SignedRelease claimed = new SignedRelease(manifest(), rawKey(RELEASE_KEY), byOther.signature());
        assertTrue(claimed.verifiedBy(List.of(rawKey(RELEASE_KEY))).isEmpty(), "another key's signature");
    }

    @Test
    void aSignatureCoversTheContextString() {
        byte[] message = SignedRelease.signedBytes(manifest());
        assertArrayEquals("cloister/release/v2\n".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(message, 20));
        assertArrayEquals(manifest().encode(), Arrays.copyOfRange(message, 20, message.length));
    }

    @Test
    void refusesInvalidManifests() {
        var e = assertThrows(IllegalArgumentException.class, () -> manifest().withMaxVmpl(4));
        assertTrue(e.getMessage().contains("maximum VMPL 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> manifest().withValidity(NA, NA));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> manifest(List.of(), Optional.empty()));
        assertTrue(e.getMessage().contains("needs an SEV-SNP shape or the TDX registers"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest(
                        List.of(new SnpShape(4, 1, filled(48, 1)), new SnpShape(1, 1, filled(48, 2))),
                        Optional.empty()));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest(
                        List.of(new SnpShape(4, 1, filled(48, 1)), new SnpShape(4, 1, filled(48, 2))),
                        Optional.empty()));
        assertTrue(e.getMessage().contains("ascending"), "a duplicate shape: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SnpShape(0, 1, filled(48, 1)));
        assertTrue(e.getMessage().contains("0 vCPUs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SnpShape(513, 1, filled(48, 1)));
        assertTrue(e.getMessage().contains("513 vCPUs"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new ImageDigest("../vmlinuz", manifest().buildRecipe()));
        assertTrue(e.getMessage().contains("not a plain file name"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest().withLaunchDescription(Bytes.of(new byte[] {(byte) 0xff})));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    /** The offset of the manifest's max_vmpl byte in an encoded signed release: header, name, two timestamps. */
    private static int vmplOffset() {
        return 4 + 1 + "cloister-enclave 0.2.0".length() + 16;
    }

    @Test
    void refusesNonCanonicalWireForms() {
        byte[] wire = SignedRelease.sign(manifest(), RELEASE_KEY).encode();
        byte[] vmpl = wire.clone();
        vmpl[vmplOffset()] = 4;
        assertRefused(vmpl, "maximum VMPL 4");
        byte[] smt = wire.clone();
        smt[vmplOffset() + 1] = 2;
        assertRefused(smt, "smt_allowed 2");
        byte[] shapes = wire.clone();
        shapes[vmplOffset() + 2] = 65;
        assertRefused(shapes, "65 SEV-SNP shapes");
        int tdxCount = vmplOffset() + 3 + 2 * (2 + 8 + 48);
        byte[] tdx = wire.clone();
        tdx[tdxCount] = 2;
        assertRefused(tdx, "2 TDX register sets");
        assertRefused(Arrays.copyOf(wire, wire.length - 1), "release signature");
        byte[] trailing = Arrays.copyOf(wire, wire.length + 1);
        assertRefused(trailing, "trailing");
    }

    private static void assertRefused(byte[] wire, String reason) {
        FormatException e = assertThrows(FormatException.class, () -> LedgerEntry.decode(wire));
        assertTrue(e.getMessage().contains(reason), "want '" + reason + "' in: " + e.getMessage());
    }

    @Test
    void aRevocationNamesTheReleaseBySha256() throws Exception {
        SignedRelease signed = SignedRelease.sign(manifest(), RELEASE_KEY);
        ReleaseRevocation revocation = new ReleaseRevocation(signed.digest(), "CVE-2026-0001 in the guest kernel");
        byte[] wire = revocation.encode();
        assertEquals(0x11, wire[3]);
        ReleaseRevocation decoded = (ReleaseRevocation) LedgerEntry.decode(wire);
        assertEquals(revocation, decoded);
        assertTrue(decoded.revokes(signed));
        assertFalse(decoded.revokes(SignedRelease.sign(manifest(), OTHER_KEY)));
        assertEquals(
                HexFormat.of().formatHex(dev.cloister.ledger.merkle.TreeHash.sha256(signed.encode())),
                signed.digest().value().hex());
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> new ReleaseRevocation(new Digest(Digest.Algorithm.SHA_384, filled(48, 1)), "x"));
        assertTrue(e.getMessage().contains("by SHA-256"), e.getMessage());
        byte[] noReason = Arrays.copyOf(wire, wire.length);
        noReason[4 + 1 + 32] = 0;
        assertRefused(Arrays.copyOf(noReason, 4 + 1 + 32 + 1), "want at least 1");
    }

    @Test
    void version1ReleasesStillParse() throws Exception {
        EnclaveRelease old = LedgerEntryTest.release();
        assertEquals(old, LedgerEntry.decode(old.encode()));
    }
}
