package dev.cloister.attest.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxPolicy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyFileTest {

    static PolicyFile parse(String json) {
        return PolicyFile.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static void refused(String reason, String json) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> parse(json));
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void anEmptyPolicyIsTheGenuineOne() {
        assertEquals(PolicyFile.genuine().tdx(), parse("{}").tdx());
        assertEquals(
                SevSnpPolicy.genuineAmd().trustedRoots(), parse("{}").sevSnp().trustedRoots());
    }

    @Test
    void everyFieldNarrowsItsPolicy() {
        String m = "ab".repeat(48);
        PolicyFile p = parse("{\"sev-snp\":{\"roots\":[\"genoa\"],\"measurement\":[\"" + m + "\"],\"max_vmpl\":0,"
                + "\"smt\":\"forbidden\",\"minimum_tcb\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}},"
                + "\"tdx\":{\"mrtd\":\"" + m + "\",\"rtmr2\":\"" + m + "\",\"report_data\":\"" + "00".repeat(64)
                + "\",\"tcb_statuses\":[\"UpToDate\",\"SWHardeningNeeded\"]},"
                + "\"nvidia-gpu\":{\"nonce\":\"" + "11".repeat(32) + "\"}}");
        assertEquals(ProductLine.GENOA, p.sevSnp().trustedRoots().getFirst().product());
        assertEquals(1, p.sevSnp().trustedRoots().size());
        assertEquals(SevSnpPolicy.Smt.FORBIDDEN, p.sevSnp().smt());
        assertEquals(
                new ReferenceValue.MinimumTcb(TcbVersion.milanGenoa(3, 0, 8, 115)),
                p.sevSnp().minimumTcb());
        assertInstanceOf(ReferenceValue.Digests.class, p.tdx().mrTd());
        assertInstanceOf(ReferenceValue.Skip.class, p.tdx().rtmrs().get(0));
        assertInstanceOf(ReferenceValue.Digests.class, p.tdx().rtmrs().get(2));
        assertEquals(
                new TdxPolicy.TcbStatusIn(Set.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED)),
                p.tdx().tcb());
        assertEquals(List.of(TdxPolicy.INTEL_SGX_ROOT_CA_SHA256), p.tdx().trustedRootSha256());
        assertInstanceOf(ReferenceValue.Digests.class, p.nvidiaGpu().nonce());
    }

    @Test
    void tdAttributesAndOwnerValuesNarrowTheTdxPolicy() {
        String m = "11".repeat(48);
        TdxPolicy p = parse("{\"tdx\":{\"td_attributes\":{\"require_sept_ve_disable\":false,\"allow_migratable\":true},"
                        + "\"xfam\":\"e700060000000000\",\"mrowner\":\"" + m + "\"}}")
                .tdx();
        assertEquals(new TdxPolicy.TdAttributes(false, true, false), p.tdAttributes());
        assertEquals(new TdxPolicy.XfamEquals(0x0600e7L), p.xfam());
        assertInstanceOf(ReferenceValue.Digests.class, p.mrOwner());
        assertEquals(TdxPolicy.ALL_ZERO, p.mrConfigId(), "MRCONFIGID all zero unless stated");
        assertEquals(TdxPolicy.TdAttributes.hardened(), parse("{}").tdx().tdAttributes());
    }

    @Test
    void anythingMalformedIsRefusedWithItsField() {
        refused("unknown field \"sev-snp.measurment\"", "{\"sev-snp\":{\"measurment\":\"00\"}}");
        refused("unknown field \"tpm\"", "{\"tpm\":{}}");
        refused("sev-snp.measurement must be 48 bytes, got 1", "{\"sev-snp\":{\"measurement\":\"00\"}}");
        refused("tdx.mrtd is not hex", "{\"tdx\":{\"mrtd\":\"zz\"}}");
        refused("unknown TCB status \"Fine\"", "{\"tdx\":{\"tcb_statuses\":[\"Fine\"]}}");
        assertThrows(IllegalArgumentException.class, () -> parse("{\"tdx\":{\"tcb_statuses\":[\"Revoked\"]}}"));
        refused("unknown product line \"rome\"", "{\"sev-snp\":{\"roots\":[\"rome\"]}}");
        refused("sev-snp.max_vmpl must be an integer 0..3", "{\"sev-snp\":{\"max_vmpl\":4}}");
        refused(
                "sev-snp.minimum_tcb.snp is missing",
                "{\"sev-snp\":{\"minimum_tcb\":{\"bootloader\":1,\"tee\":0," + "\"microcode\":1}}}");
        refused(
                "tdx.min_tcb_evaluation_data_number needs tdx.tcb_statuses",
                "{\"tdx\":{\"min_tcb_evaluation_data_number\":17}}");
        assertEquals(
                new TdxPolicy.TcbStatusIn(Set.of(TcbStatus.UP_TO_DATE), 17),
                parse("{\"tdx\":{\"tcb_statuses\":" + "[\"UpToDate\"],\"min_tcb_evaluation_data_number\":17}}")
                        .tdx()
                        .tcb());
        refused("not valid JSON", "{\"tdx\":{}, \"tdx\":{}}");
        refused("must hold one JSON object", "[]");
        refused("tdx.roots must be 32 bytes", "{\"tdx\":{\"roots\":[\"00\"]}}");
        refused(
                "tdx.td_attributes.require_sept_ve_disable must be true or false",
                "{\"tdx\":{\"td_attributes\":{\"require_sept_ve_disable\":\"no\"}}}");
        refused("tdx.td_attributes.", "{\"tdx\":{\"td_attributes\":{\"debug\":true}}}");
        refused("tdx.xfam must be 8 bytes", "{\"tdx\":{\"xfam\":\"00\"}}");
        refused("must be a hex string or a non-empty array", "{\"nvidia-gpu\":{\"nonce\":[]}}");
    }
}
