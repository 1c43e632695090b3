package dev.cloister.ledger.entry;

import static dev.cloister.ledger.entry.LedgerEntryTest.filled;
import static dev.cloister.ledger.entry.SignedReleaseTest.NA;
import static dev.cloister.ledger.entry.SignedReleaseTest.NB;
import static dev.cloister.ledger.entry.SignedReleaseTest.RELEASE_KEY;
import static dev.cloister.ledger.entry.SignedReleaseTest.rawKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Release format v3 (entry type 0x12): per-platform TDX MRTD and RTMR0 beside the release's RTMR1 and RTMR2. */
class SignedReleaseV3Test {

    static final TdxPlatform AZURE = new TdxPlatform(
            "azure DCesv5 (QEMU 9.2, 4 vCPUs)", "edk2-stable202411 IntelTdx", filled(48, 0x31), filled(48, 0x30));
    static final TdxPlatform GCP =
            new TdxPlatform("gcp c3-standard-4", "gce tdx-ovmf 2025-01", filled(48, 0x41), filled(48, 0x40));

    static ReleaseManifest manifest(Optional<TdxRuntime> tdx, List<TdxPlatform> platforms) {
        return SignedReleaseTest.manifest().withValidity(NB, NA).withTdx(tdx, platforms);
    }

    static ReleaseManifest manifest() {
        return manifest(SignedReleaseTest.manifest().tdx(), List.of(AZURE, GCP));
    }

    @Test
    void roundTripsAsType0x12UnderTheV3Context() throws Exception {
        SignedRelease signed = SignedRelease.sign(manifest(), RELEASE_KEY);
        assertEquals(3, signed.manifest().formatVersion());
        byte[] wire = signed.encode();
        assertEquals(0x12, wire[3]);
        LedgerEntry decoded = LedgerEntry.decode(wire);
        assertEquals(signed, decoded);
        assertArrayEquals(wire, decoded.encode());
        assertEquals(List.of(AZURE, GCP), ((SignedRelease) decoded).manifest().tdxPlatforms());
        // The fuzz seed signed-release-v3 is this entry (Ed25519 is deterministic: regenerate it from here when the
        // format changes, e.g. by writing `wire` to the file once).
        java.nio.file.Path seed = java.nio.file.Path.of(
                "src/test/resources/dev/cloister/ledger/entry/LedgerEntryFuzzTestInputs/decodeIsCanonical/"
                        + "signed-release-v3");
        if (Boolean.getBoolean("cloister.regenerate.seeds")) java.nio.file.Files.write(seed, wire);
        assertArrayEquals(wire, java.nio.file.Files.readAllBytes(seed));
        assertEquals(Optional.of(rawKey(RELEASE_KEY)), signed.verifiedBy(List.of(rawKey(RELEASE_KEY))));
        byte[] message = SignedRelease.signedBytes(manifest());
        assertArrayEquals("cloister/release/v3\n".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(message, 20));
    }

    @Test
    void aManifestWithoutTdxPlatformsIsStillVersion2() throws Exception {
        ReleaseManifest v2 = manifest(SignedReleaseTest.manifest().tdx(), List.of());
        assertEquals(SignedReleaseTest.manifest(), v2);
        assertEquals(2, v2.formatVersion());
        assertEquals(0x10, SignedRelease.sign(v2, RELEASE_KEY).encode()[3]);
    }

    @Test
    void aVersion2SignatureDoesNotVerifyAVersion3Manifest() {
        SignedRelease v3 = SignedRelease.sign(manifest(), RELEASE_KEY);
        // The same manifest signed under the v2 context: the contexts keep the two versions' messages apart.
        byte[] v3Message = SignedRelease.signedBytes(manifest());
        byte[] asV2 = v3Message.clone();
        asV2[18] = '2';
        SignedRelease forged = new SignedRelease(manifest(), v3.releaseKey(), Bytes.of(RELEASE_KEY.sign(asV2)));
        assertTrue(forged.verifiedBy(List.of(rawKey(RELEASE_KEY))).isEmpty());
    }

    @Test
    void refusesInvalidPlatforms() {
        var e = assertThrows(IllegalArgumentException.class, () -> manifest(Optional.empty(), List.of(AZURE)));
        assertTrue(e.getMessage().contains("without the release's RTMR1 and RTMR2"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest(SignedReleaseTest.manifest().tdx(), List.of(GCP, AZURE)));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest(SignedReleaseTest.manifest().tdx(), List.of(AZURE, AZURE)));
        assertTrue(e.getMessage().contains("ascending"), "a duplicate platform: " + e.getMessage());
        List<TdxPlatform> many = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add(new TdxPlatform("p" + (char) ('a' + i), "f", filled(48, i), filled(48, i)));
        }
        e = assertThrows(
                IllegalArgumentException.class,
                () -> manifest(SignedReleaseTest.manifest().tdx(), many));
        assertTrue(e.getMessage().contains("17 TDX platforms"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TdxPlatform("p", "f", filled(47, 1), filled(48, 1)));
        assertTrue(e.getMessage().contains("want 48"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> new TdxPlatform("p\n", "f", filled(48, 1), filled(48, 1)));
        assertTrue(e.getMessage().contains("control character"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TdxPlatform("p", "", filled(48, 1), filled(48, 1)));
        assertTrue(e.getMessage().contains("firmware name of 0 bytes"), e.getMessage());
    }

    /** The offset of the TDX platform count in the encoding of {@link #manifest()}. */
    private static int platformCountOffset() {
        return 4 + 1 + "cloister-enclave 0.2.0".length() + 16 + 3 + 2 * (2 + 8 + 48) + 1 + 2 * 48;
    }

    @Test
    void refusesNonCanonicalWireForms() {
        byte[] wire = SignedRelease.sign(manifest(), RELEASE_KEY).encode();
        assertEquals(2, wire[platformCountOffset()]);
        byte[] none = wire.clone();
        none[platformCountOffset()] = 0;
        // Zero platforms leaves the platforms' bytes to be read as what follows: refused, whatever it then reads
        // (a whole v3 manifest without platforms and with v2's GPU count is refused as non-canonical: see
        // SignedReleaseTest#theGpuCountIsSignedAndBounded).
        assertThrows(FormatException.class, () -> LedgerEntry.decode(none));
        byte[] many = wire.clone();
        many[platformCountOffset()] = 17;
        assertRefused(many, "17 TDX platforms");
        int second = platformCountOffset()
                + 1
                + 1
                + AZURE.platform().length()
                + 1
                + AZURE.firmware().length()
                + 96;
        byte[] dup = wire.clone();
        System.arraycopy("azure".getBytes(StandardCharsets.US_ASCII), 0, dup, second + 1, 3);
        assertRefused(dup, "ascending name order");
        byte[] asV2 = wire.clone();
        asV2[3] = 0x10;
        assertThrows(FormatException.class, () -> LedgerEntry.decode(asV2));
        byte[] v2 = SignedRelease.sign(manifest(SignedReleaseTest.manifest().tdx(), List.of()), RELEASE_KEY)
                .encode();
        byte[] v2AsV3 = v2.clone();
        v2AsV3[3] = 0x12;
        assertThrows(FormatException.class, () -> LedgerEntry.decode(v2AsV3));
    }

    private static void assertRefused(byte[] wire, String reason) {
        FormatException e = assertThrows(FormatException.class, () -> LedgerEntry.decode(wire));
        assertTrue(e.getMessage().contains(reason), "want '" + reason + "' in: " + e.getMessage());
    }
}
