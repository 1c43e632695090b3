package dev.cloister.ledger.entry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The versioned canonical entry encoding (java/ledger/README.md): round trips, golden bytes, non-canonical inputs. */
class LedgerEntryTest {

    static Bytes filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return Bytes.of(b);
    }

    static EnclaveRelease release() {
        return new EnclaveRelease(
                "cloister-enclave 0.1.0",
                List.of(
                        new PlatformMeasurement.SevSnp(filled(48, 0x11)),
                        new PlatformMeasurement.Tdx(
                                filled(48, 0x22),
                                List.of(filled(48, 0x30), filled(48, 0x31), filled(48, 0x32), filled(48, 0x33)))),
                List.of(new GpuReferenceValue(
                        "H100",
                        new Digest(Digest.Algorithm.SHA_384, filled(48, 0x44)),
                        new Digest(Digest.Algorithm.SHA_384, filled(48, 0x55)))),
                new Digest(Digest.Algorithm.SHA_256, filled(32, 0x66)),
                "0123456789abcdef0123456789abcdef01234567",
                new Digest(Digest.Algorithm.SHA_256, filled(32, 0x77)));
    }

    static final Instant NB = Instant.parse("2026-12-01T00:00:00Z");
    static final Instant NA = Instant.parse("2027-01-01T00:00:00Z");

    @Test
    void roundTrips() throws Exception {
        for (LedgerEntry e : List.of(
                release(),
                new OhttpKeyConfigEntry(
                        Bytes.fromHex(
                                "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003"),
                        NB,
                        NA),
                new IssuerKeyEntry(0x0001, "issuer.cloister.example", filled(49, 0x02), NB, NA))) {
            byte[] wire = e.encode();
            assertEquals(e, LedgerEntry.decode(wire));
            assertEquals(
                    HexFormat.of().formatHex(wire),
                    HexFormat.of().formatHex(LedgerEntry.decode(wire).encode()));
        }
    }

    @Test
    void goldenOhttpKeyConfigEncoding() throws Exception {
        OhttpKeyConfigEntry e = new OhttpKeyConfigEntry(
                Bytes.of(new byte[] {1, 2, 3}), Instant.ofEpochSecond(1), Instant.ofEpochSecond(258));
        assertEquals(
                "434c0102" + "0003010203" + "0000000000000001" + "0000000000000102",
                HexFormat.of().formatHex(e.encode()));
    }

    @Test
    void goldenIssuerKeyEncoding() {
        IssuerKeyEntry e = new IssuerKeyEntry(
                0x0001, "i", Bytes.of(new byte[] {9}), Instant.ofEpochSecond(0), Instant.ofEpochSecond(1));
        assertEquals(
                "434c0103" + "0001" + "0169" + "000109" + "0000000000000000" + "0000000000000001",
                HexFormat.of().formatHex(e.encode()));
    }

    @Test
    void goldenEnclaveReleasePrefix() {
        String hex = HexFormat.of().formatHex(release().encode());
        // magic, version 1, type 1, release name (22 bytes), 2 measurements, SEV-SNP first.
        assertEquals(
                "434c0101" + "16" + HexFormat.of().formatHex("cloister-enclave 0.1.0".getBytes()) + "02" + "01"
                        + "11".repeat(48) + "02" + "22".repeat(48),
                hex.substring(0, 2 * (4 + 1 + 22 + 1 + 1 + 48 + 1 + 48)));
        assertEquals(4 + 23 + 1 + 49 + 1 + 5 * 48 + 1 + (1 + 4 + 49 + 49) + 33 + 41 + 33, hex.length() / 2);
    }

    private static void refused(String hex) {
        assertThrows(
                FormatException.class, () -> LedgerEntry.decode(HexFormat.of().parseHex(hex)));
    }

    @Test
    void trailingBytesAreRefused() {
        refused(HexFormat.of().formatHex(release().encode()) + "00");
        refused("434c0103" + "0001" + "0169" + "000109" + "0000000000000000" + "0000000000000001" + "ff");
    }

    @Test
    void truncationAnywhereIsRefused() {
        byte[] wire = release().encode();
        for (int n = 0; n < wire.length; n++) {
            byte[] cut = Arrays.copyOf(wire, n);
            assertThrows(FormatException.class, () -> LedgerEntry.decode(cut), "cut at " + n);
        }
    }

    @Test
    void unknownVersionTypeOrMagicIsRefused() {
        refused("434c0203" + "0001" + "0169" + "000109" + "0000000000000000" + "0000000000000001");
        refused("434c0104" + "0001" + "0169" + "000109" + "0000000000000000" + "0000000000000001");
        refused("434d0103" + "0001" + "0169" + "000109" + "0000000000000000" + "0000000000000001");
    }

    @Test
    void unsortedOrDuplicatePlatformsAreRefused() {
        String hex = HexFormat.of().formatHex(release().encode());
        String sev = "01" + "11".repeat(48);
        String tdx = "02" + "22".repeat(48) + "30".repeat(48) + "31".repeat(48) + "32".repeat(48) + "33".repeat(48);
        refused(hex.replace(sev + tdx, tdx + sev));
        refused(hex.replace("02" + sev + tdx, "02" + sev + sev).replace(tdx, ""));
    }

    @Test
    void emptyValidityWindowIsRefused() {
        refused("434c0102" + "0003010203" + "0000000000000102" + "0000000000000102");
        refused("434c0102" + "0003010203" + "0000000000000103" + "0000000000000102");
        assertThrows(IllegalArgumentException.class, () -> new OhttpKeyConfigEntry(Bytes.of(new byte[] {1}), NA, NB));
    }

    @Test
    void timestampsAbove2pow63AreRefused() {
        refused("434c0102" + "0003010203" + "0000000000000001" + "8000000000000000");
    }

    @Test
    void subSecondInstantsAreNotRepresentable() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new OhttpKeyConfigEntry(Bytes.of(new byte[] {1}), NB.plusMillis(1), NA));
    }

    @Test
    void lengthsBeyondTheInputAreRefusedBeforeAllocation() {
        refused("434c0102" + "ffff01");
        refused("434c0103" + "0001" + "ff69");
    }

    @Test
    void emptyKeyConfigOrNameIsRefused() {
        refused("434c0102" + "0000" + "0000000000000001" + "0000000000000002");
        refused("434c0103" + "0001" + "00" + "000109" + "0000000000000000" + "0000000000000001");
    }

    @Test
    void invalidUtf8NameIsRefused() {
        refused("434c0103" + "0001" + "01ff" + "000109" + "0000000000000000" + "0000000000000001");
    }

    @Test
    void unknownDigestAlgorithmIsRefused() {
        String hex = HexFormat.of().formatHex(release().encode());
        refused(hex.replace("01" + "66".repeat(32), "09" + "66".repeat(32)));
    }

    @Test
    void oversizedEntriesCannotBeBuilt() {
        assertThrows(IllegalArgumentException.class, () -> new OhttpKeyConfigEntry(Bytes.of(new byte[70_000]), NB, NA));
        byte[] tooBig = new byte[0x10000];
        assertThrows(FormatException.class, () -> LedgerEntry.decode(tooBig));
    }
}
