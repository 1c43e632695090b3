package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.entry.PlatformPolicy;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-product TCB floors: the shipped values, raising, and the conversion from a ledger platform policy. */
class TcbFloorsTest {

    @Test
    void theShippedFloorsAreThoseOfTheProvenanceFile() {
        TcbFloors f = TcbFloors.shipped();
        assertEquals(
                TcbVersion.milanGenoa(0, 0, 0x1B, 0xDB),
                f.floor(ProductLine.MILAN).orElseThrow());
        assertEquals(
                TcbVersion.milanGenoa(0, 0, 0x1B, 0x56),
                f.floor(ProductLine.GENOA).orElseThrow());
        assertEquals(
                TcbVersion.turin(0, 0, 0, 0x04, 0x51),
                f.floor(ProductLine.TURIN).orElseThrow());
        // AMD-SB-3019's own minimums are below them (later bulletins raised them).
        assertTrue(f.floor(ProductLine.MILAN).orElseThrow().isAtLeast(TcbVersion.milanGenoa(0, 0, 0x18, 0xDB)));
        assertTrue(f.floor(ProductLine.GENOA).orElseThrow().isAtLeast(TcbVersion.milanGenoa(0, 0, 0x17, 0x54)));
    }

    @Test
    void raisingTakesTheHigherComponentAndNeverLowers() {
        TcbFloors shipped = TcbFloors.shipped();
        TcbFloors logged = new TcbFloors(Map.of(
                ProductLine.GENOA, TcbVersion.milanGenoa(10, 1, 0x10, 0x60),
                ProductLine.MILAN, TcbVersion.milanGenoa(0, 0, 0, 0)));
        TcbFloors effective = shipped.raisedTo(logged);
        assertEquals(
                TcbVersion.milanGenoa(10, 1, 0x1B, 0x60),
                effective.floor(ProductLine.GENOA).orElseThrow());
        assertEquals(shipped.floor(ProductLine.MILAN), effective.floor(ProductLine.MILAN), "a lower floor is ignored");
        assertEquals(shipped.floor(ProductLine.TURIN), effective.floor(ProductLine.TURIN));
        assertTrue(effective.isAtLeast(shipped));
        assertTrue(effective.isAtLeast(logged));
        assertFalse(shipped.isAtLeast(effective));
        assertFalse(logged.isAtLeast(shipped), "logged sets no Turin floor");
    }

    @Test
    void aPlatformPolicyEntryBecomesFloors() {
        Ed25519NoteSigner key = Ed25519NoteSigner.generate("operator.example", new SecureRandom());
        PlatformPolicy entry = PlatformPolicy.sign(
                Instant.parse("2026-12-01T00:00:00Z"), TcbFloors.shipped().toEntryFloors(), key);
        assertEquals(TcbFloors.shipped(), TcbFloors.of(entry));
    }

    @Test
    void aFloorInTheWrongLayoutIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new TcbFloors(Map.of(ProductLine.TURIN, TcbVersion.milanGenoa(0, 0, 0, 0))));
        assertThrows(IllegalArgumentException.class, () -> new TcbFloors(Map.of()));
    }
}
