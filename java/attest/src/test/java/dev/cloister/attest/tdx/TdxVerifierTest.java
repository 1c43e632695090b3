package dev.cloister.attest.tdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.base.Bytes;
import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real TDX quotes of testdata/vectors/tdx verify with the values of their parsed.json; tampering is refused. */
class TdxVerifierTest {

    /** Inside every PCK chain's validity (the latest PCK leaf is from 2026-01-27). */
    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    static final String[] QUOTES = {"tdx_prod_quote_SPR_E4.dat", "quote_v5_sample.dat", "ccel_cos-113-tdx-quote.dat"};

    static byte[] quote(String name) {
        return Vectors.read(Vectors.dir("tdx/go-tdx-guest").resolve(name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> expected(String name) {
        return (Map<String, Object>) Json.parse(new String(
                Vectors.read(Vectors.dir("tdx/go-tdx-guest").resolve(name + ".parsed.json")), StandardCharsets.UTF_8));
    }

    /**
     * The policy each sample passes: the default for the v5 and cos-113 TDs (SEPT_VE_DISABLE set); the SPR sample's TD
     * was created without SEPT_VE_DISABLE (TDATTRIBUTES 0x40000000: PKS alone), which the default policy refuses
     * ({@link #theDefaultPolicyRefusesATdWithoutSeptVeDisable}), so it is appraised with that requirement off.
     */
    static TdxPolicy genuine(String name) {
        return name.equals("tdx_prod_quote_SPR_E4.dat") ? SPR : TdxPolicy.genuineIntel();
    }

    static final TdxPolicy SPR =
            TdxPolicy.genuineIntel().withTdAttributes(new TdxPolicy.TdAttributes(false, false, false));

    private static void refused(String reason, Executable e) {
        AttestationException x = assertThrows(AttestationException.class, e);
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    private static TdxClaims verify(byte[] q, TdxPolicy p) throws AttestationException {
        return new TdxVerifier().verify(NOW, TdxEvidence.of(q), TdxEndorsements.embeddedPckChain(), p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tdx_prod_quote_SPR_E4.dat", "quote_v5_sample.dat", "ccel_cos-113-tdx-quote.dat"})
    @SuppressWarnings("unchecked")
    void verifiesWithExpectedFields(String name) throws Exception {
        Map<String, Object> e = expected(name);
        Map<String, Object> body = (Map<String, Object>) e.get("td_quote_body");
        Map<String, Object> header = (Map<String, Object>) e.get("header");
        List<Object> rtmr = (List<Object>) body.get("rtmr");
        TdxPolicy exact = genuine(name)
                .withMrTd(ReferenceValue.Digests.ofHex((String) body.get("mrtd")))
                .withReportData(ReferenceValue.Digests.ofHex((String) body.get("report_data")))
                .withRtmrs(rtmr.stream()
                        .map(r -> (ReferenceValue) ReferenceValue.Digests.ofHex((String) r))
                        .toList());
        TdxClaims c = verify(quote(name), exact);
        HexFormat h = HexFormat.of();
        TdxQuote q = c.quote();
        assertEquals(((Long) header.get("version")).intValue(), q.version());
        assertEquals(body.get("tee_tcb_svn"), h.formatHex(q.teeTcbSvn()));
        assertEquals(body.get("mrseam"), h.formatHex(q.mrSeam()));
        assertEquals(body.get("td_attributes"), h.formatHex(q.tdAttributes()));
        assertEquals(body.get("xfam"), h.formatHex(q.xfam()));
        assertEquals(body.get("mrtd"), h.formatHex(q.mrTd()));
        assertEquals(body.get("mrconfigid"), h.formatHex(q.mrConfigId()));
        assertEquals(body.get("mrowner"), h.formatHex(q.mrOwner()));
        assertEquals(body.get("report_data"), h.formatHex(q.reportData()));
        for (int i = 0; i < 4; i++) {
            assertEquals(rtmr.get(i), h.formatHex(q.rtmr(i)));
        }
        assertEquals(e.get("fmspc"), c.fmspc());
        assertEquals(e.get("attestation_key"), h.formatHex(q.attestationKey()));
        assertEquals(e.get("qe_auth_data"), h.formatHex(q.qeAuthData()));
        assertEquals(
                ((Long) e.get("total_len")).intValue() - ((Long) e.get("trailing_bytes")).intValue(), q.bytes().length);
        assertTrue(c.pckSubject().contains("Intel SGX PCK Certificate"), c.pckSubject());
        AttestationResult r = AttestationVerifier.create()
                .verify(NOW, TdxEvidence.of(quote(name)), TdxEndorsements.embeddedPckChain(), genuine(name));
        assertTrue(r.toJson().contains("\"mrtd\":\"" + body.get("mrtd") + "\""), r.toJson());
    }

    @Test
    void policyAndStructureRefusals() {
        byte[] q = quote("tdx_prod_quote_SPR_E4.dat");
        refused("MRTD", () -> verify(q, SPR.withMrTd(ReferenceValue.Digests.ofHex("00".repeat(48)))));
        refused("REPORTDATA", () -> verify(q, SPR.withReportData(ReferenceValue.Digests.ofHex("00".repeat(64)))));
        refused("not a root this policy trusts", () -> verify(q, SPR.withTrustedRoots(List.of("00".repeat(32)))));
        refused(
                "not valid at",
                () -> new TdxVerifier()
                        .verify(
                                Instant.parse("2020-01-01T00:00:00Z"),
                                TdxEvidence.of(q),
                                TdxEndorsements.embeddedPckChain(),
                                SPR));
        byte[] v6 = q.clone();
        ByteBuffer.wrap(v6).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 6);
        refused("unknown version 6", () -> verify(v6, SPR));
        refused("truncated", () -> verify(Arrays.copyOf(q, 100), SPR));
        refused("exceeds the limit", () -> verify(new byte[TdxQuote.MAX_QUOTE + 1], SPR));
        byte[] debug = q.clone();
        debug[0x30 + 0x78] |= 1;
        refused("attestation-key signature", () -> verify(debug, SPR));
        refused("XFAM", () -> verify(q, SPR.withXfam(new TdxPolicy.XfamEquals(0))));
        ReferenceValue zeros = ReferenceValue.Digests.ofHex("00".repeat(48));
        ReferenceValue other = ReferenceValue.Digests.ofHex("11".repeat(48));
        refused("MRCONFIGID", () -> verify(q, SPR.withOwnerValues(other, zeros, zeros)));
        refused("MROWNER:", () -> verify(q, SPR.withOwnerValues(zeros, other, zeros)));
        refused("MROWNERCONFIG", () -> verify(q, SPR.withOwnerValues(zeros, zeros, other)));
        assertEquals(
                4,
                uncheckedVerify(q, SPR.withOwnerValues(zeros, zeros, zeros))
                        .quote()
                        .version());
        refused(
                "QE MRSIGNER",
                () -> verify(
                        q,
                        SPR.withQuotingEnclave(new QuotingEnclave(
                                Bytes.fromHex("00".repeat(32)),
                                2,
                                QuotingEnclave.intelTdQe().miscSelect(),
                                QuotingEnclave.intelTdQe().miscSelectMask(),
                                QuotingEnclave.intelTdQe().attributes(),
                                QuotingEnclave.intelTdQe().attributesMask()))));
    }

    private static TdxClaims uncheckedVerify(byte[] q, TdxPolicy p) {
        try {
            return verify(q, p);
        } catch (AttestationException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void theDefaultPolicyRefusesATdWithoutSeptVeDisable() {
        refused(
                "TDATTRIBUTES 0000000040000000 lacks SEPT_VE_DISABLE (bit 28)",
                () -> verify(quote("tdx_prod_quote_SPR_E4.dat"), TdxPolicy.genuineIntel()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tdx_prod_quote_SPR_E4.dat", "quote_v5_sample.dat", "ccel_cos-113-tdx-quote.dat"})
    void everySampleWasSignedByIntelsTdQuotingEnclave(String name) {
        QuotingEnclave intel = QuotingEnclave.intelTdQe();
        refused(
                "QE ISVPRODID",
                () -> verify(
                        quote(name),
                        genuine(name)
                                .withQuotingEnclave(new QuotingEnclave(
                                        intel.mrSigner(),
                                        1,
                                        intel.miscSelect(),
                                        intel.miscSelectMask(),
                                        intel.attributes(),
                                        intel.attributesMask()))));
        refused(
                "QE ATTRIBUTES under the mask",
                () -> verify(
                        quote(name),
                        genuine(name)
                                .withQuotingEnclave(new QuotingEnclave(
                                        intel.mrSigner(),
                                        2,
                                        intel.miscSelect(),
                                        intel.miscSelectMask(),
                                        Bytes.fromHex("13000000000000000000000000000000"),
                                        intel.attributesMask()))));
    }

    /**
     * Flips one bit of every byte of the v4 and v5 quotes in turn (bit 0 of even bytes, bit 7 of odd ones): every
     * byte of the quote itself is refused; the bytes after the quote's end (39 in the SPR quote; none in the v5) are
     * not part of the quote, so the verdict stays "accepted", as it must for real quotes delivered in larger buffers.
     * The cos-113 quote (same layout as the SPR one, 3065 bytes of zero padding) is sampled every 8th byte.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tdx_prod_quote_SPR_E4.dat", "quote_v5_sample.dat", "ccel_cos-113-tdx-quote.dat"})
    void everyFlippedByteOfTheQuoteIsRefused(String name) throws Exception {
        byte[] q = quote(name);
        int end = TdxQuote.parse(q).quoteEnd();
        int step = name.startsWith("ccel") ? 8 : 1;
        List<Integer> wrong = new ArrayList<>();
        TdxVerifier v = new TdxVerifier();
        for (int i = 0; i < q.length; i += step) {
            int mask = i % 2 == 0 ? 0x01 : 0x80;
            q[i] ^= (byte) mask;
            boolean accepted;
            try {
                v.verify(NOW, TdxEvidence.of(q), TdxEndorsements.embeddedPckChain(), genuine(name));
                accepted = true;
            } catch (AttestationException e) {
                accepted = false;
            }
            if (accepted != (i >= end)) {
                wrong.add(i);
            }
            q[i] ^= (byte) mask;
        }
        assertEquals(List.of(), wrong, "bytes whose flip gave the wrong verdict (quote ends at " + end + ")");
    }
}
