package dev.cloister.ledger.entry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signed platform policy entry (type 0x05): encoding, signature, and what the decoder refuses. */
class PlatformPolicyTest {

    static final Instant ISSUED = Instant.parse("2026-12-01T00:00:00Z");

    static Ed25519NoteSigner key(String name, int seed) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) seed);
        return new Ed25519NoteSigner(name, Ed25519PrivateKey.fromSeed(s));
    }

    static final List<PlatformPolicy.TcbFloor> FLOORS = List.of(
            new PlatformPolicy.TcbFloor(PlatformPolicy.Product.MILAN, 0, 0, 0, 0x1b, 0xdb),
            new PlatformPolicy.TcbFloor(PlatformPolicy.Product.GENOA, 0, 0, 0, 0x1b, 0x56),
            new PlatformPolicy.TcbFloor(PlatformPolicy.Product.TURIN, 1, 2, 3, 0x04, 0x51));

    @Test
    void roundTripsAndVerifiesUnderItsKeyOnly() throws Exception {
        Ed25519NoteSigner operator = key("operator.cloister.example", 1);
        PlatformPolicy p = PlatformPolicy.sign(ISSUED, FLOORS, operator);
        byte[] wire = p.encode();
        PlatformPolicy back = assertInstanceOf(PlatformPolicy.class, LedgerEntry.decode(wire));
        assertEquals(p, back);
        assertEquals(HexFormat.of().formatHex(wire), HexFormat.of().formatHex(back.encode()));
        assertTrue(back.signedBy(operator.verifier()));
        assertEquals(
                0xdb, back.floor(PlatformPolicy.Product.MILAN).orElseThrow().microcode());
        // Layout: header, issued_at, count 3, three 6-byte floors, signer, key id, 64-byte signature.
        assertEquals(4 + 8 + 1 + 18 + 1 + "operator.cloister.example".length() + 4 + 64, wire.length);
        assertEquals("434c0105", HexFormat.of().formatHex(wire, 0, 4));

        // Another key, even under the same name, does not verify it.
        assertFalse(back.signedBy(key("operator.cloister.example", 2).verifier()));
        assertFalse(back.signedBy(key("someone.else", 1).verifier()));
    }

    @Test
    void aBadSignatureIsRefused() throws Exception {
        Ed25519NoteSigner operator = key("operator.cloister.example", 1);
        byte[] wire = PlatformPolicy.sign(ISSUED, FLOORS, operator).encode();
        // A changed floor (Milan's microcode, byte 13 + 5) keeps the encoding valid but breaks the signature.
        byte[] lowered = wire.clone();
        lowered[4 + 8 + 1 + 5] = 0x10;
        PlatformPolicy forged = (PlatformPolicy) LedgerEntry.decode(lowered);
        assertEquals(
                0x10, forged.floor(PlatformPolicy.Product.MILAN).orElseThrow().microcode());
        assertFalse(forged.signedBy(operator.verifier()));
        // A flipped signature bit.
        byte[] flipped = wire.clone();
        flipped[flipped.length - 1] ^= 1;
        assertFalse(((PlatformPolicy) LedgerEntry.decode(flipped)).signedBy(operator.verifier()));
        // A later issued_at (a replay dressed as newer) breaks it too.
        byte[] later = wire.clone();
        later[11] ^= 1;
        assertFalse(((PlatformPolicy) LedgerEntry.decode(later)).signedBy(operator.verifier()));
    }

    @Test
    void nonCanonicalOrOutOfRangeEncodingsAreRefused() {
        Ed25519NoteSigner operator = key("operator.cloister.example", 1);
        byte[] wire = PlatformPolicy.sign(ISSUED, FLOORS, operator).encode();
        refused(Arrays.copyOf(wire, wire.length + 1), "trailing");
        refused(Arrays.copyOf(wire, wire.length - 1), "signature");
        byte[] zero = wire.clone();
        zero[12] = 0;
        refused(zero, "0 TCB floors");
        byte[] four = wire.clone();
        four[12] = 4;
        refused(four, "4 TCB floors");
        byte[] unsorted = wire.clone();
        unsorted[13] = 0x02; // Milan's slot now says Genoa: two Genoa floors
        refused(unsorted, "ascending");
        byte[] unknown = wire.clone();
        unknown[13] = 0x04;
        refused(unknown, "unknown product");
        byte[] fmcOnMilan = wire.clone();
        fmcOnMilan[14] = 1;
        refused(fmcOnMilan, "FMC");
        byte[] subSecond = wire.clone();
        subSecond[4] = (byte) 0x80; // issued_at above 2^63-1
        refused(subSecond, "out of range");
    }

    @Test
    void constructionChecksItsValues() {
        Ed25519NoteSigner operator = key("operator.cloister.example", 1);
        assertThrows(
                IllegalArgumentException.class,
                () -> PlatformPolicy.sign(ISSUED.plusMillis(1), FLOORS, operator),
                "sub-second times have no canonical encoding");
        assertThrows(IllegalArgumentException.class, () -> PlatformPolicy.sign(ISSUED, List.of(), operator));
        assertThrows(
                IllegalArgumentException.class,
                () -> PlatformPolicy.sign(ISSUED, List.of(FLOORS.get(1), FLOORS.get(0)), operator));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlatformPolicy.TcbFloor(PlatformPolicy.Product.GENOA, 0, 0, 0, 256, 0));
    }

    @Test
    void theCommandLineFormParses() {
        assertEquals(FLOORS.get(0), PlatformPolicy.TcbFloor.parse("milan:0:0:0x1b:0xdb"));
        assertEquals(FLOORS.get(1), PlatformPolicy.TcbFloor.parse("Genoa:0:0:27:86"));
        assertEquals(FLOORS.get(2), PlatformPolicy.TcbFloor.parse("turin:1:2:3:4:0x51"));
        for (String bad : List.of("rome:0:0:0:0", "milan:0:0:0", "turin:0:0:0:0", "genoa:0:0:x:0", "genoa:0:0:256:0")) {
            assertThrows(IllegalArgumentException.class, () -> PlatformPolicy.TcbFloor.parse(bad), bad);
        }
    }

    private static void refused(byte[] wire, String reason) {
        FormatException e = assertThrows(FormatException.class, () -> LedgerEntry.decode(wire));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
