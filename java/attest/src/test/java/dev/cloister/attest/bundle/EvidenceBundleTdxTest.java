package dev.cloister.attest.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A TD's bundle: its quote with Intel's PCS collateral as cpu-endorsements, and nothing of SEV-SNP's. */
class EvidenceBundleTdxTest {

    static final EvidenceBundle.Entry QUOTE =
            new EvidenceBundle.Entry(EvidenceBundle.TDX_QUOTE, Bytes.of(new byte[] {4, 0}));
    static final List<byte[]> PARTS =
            List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}, new byte[] {4}, new byte[] {5}, new byte[] {6});

    static EvidenceBundle bundle(
            EvidenceBundle.Entry cpu, EvidenceBundle.Entry endorsements, Optional<EvidenceBundle.Entry> crl) {
        return new EvidenceBundle(
                cpu,
                endorsements,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                crl,
                Optional.empty(),
                List.of());
    }

    @Test
    void aTdxBundleRoundTripsWithItsSixCollateralParts() throws Exception {
        EvidenceBundle b = bundle(QUOTE, EvidenceBundle.tdxCollateral(PARTS), Optional.empty());
        EvidenceBundle again = EvidenceBundle.decode(b.encode());
        assertEquals(EvidenceBundle.TDX_QUOTE, again.cpu().mediaType());
        List<byte[]> parts = again.tdxCollateralParts();
        assertEquals(6, parts.size());
        for (int i = 0; i < 6; i++) assertArrayEquals(PARTS.get(i), parts.get(i));
    }

    @Test
    void aTdxQuoteNeedsCollateralAndNoAmdCrl() {
        EvidenceBundle.Entry pem = new EvidenceBundle.Entry(EvidenceBundle.PEM_CHAIN, Bytes.of(new byte[] {1}));
        assertThrows(IllegalArgumentException.class, () -> bundle(QUOTE, pem, Optional.empty()));
        IllegalArgumentException crl = assertThrows(
                IllegalArgumentException.class,
                () -> bundle(
                        QUOTE, EvidenceBundle.tdxCollateral(PARTS), Optional.of(EvidenceBundle.crl(new byte[] {1}))));
        assertTrue(crl.getMessage().contains("cpu-crl"), crl.getMessage());
        // And an SEV-SNP report does not take TDX collateral.
        assertThrows(
                IllegalArgumentException.class,
                () -> bundle(
                        new EvidenceBundle.Entry(EvidenceBundle.SEV_SNP_REPORT, Bytes.of(new byte[] {1})),
                        EvidenceBundle.tdxCollateral(PARTS),
                        Optional.empty()));
    }

    @Test
    void collateralOfAnotherPartCountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> EvidenceBundle.tdxCollateral(PARTS.subList(0, 5)));
        EvidenceBundle.Entry five = new EvidenceBundle.Entry(
                EvidenceBundle.TDX_COLLATERAL,
                Bytes.of(
                        Cbor.array(PARTS.subList(0, 5).stream().map(Cbor::bytes).toArray(byte[][]::new))));
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> bundle(QUOTE, five, Optional.empty()).tdxCollateralParts());
        assertTrue(x.getMessage().contains("5 TDX collateral parts"), x.getMessage());
        AttestationException notCbor = assertThrows(
                AttestationException.class,
                () -> bundle(
                                QUOTE,
                                new EvidenceBundle.Entry(
                                        EvidenceBundle.TDX_COLLATERAL, Bytes.of(new byte[] {(byte) 0xff})),
                                Optional.empty())
                        .tdxCollateralParts());
        assertTrue(notCbor.getMessage().contains("CBOR"), notCbor.getMessage());
    }
}
