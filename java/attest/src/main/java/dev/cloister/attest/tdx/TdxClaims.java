package dev.cloister.attest.tdx;

import dev.cloister.attest.Claims;
import dev.cloister.attest.Platform;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a verified TDX quote establishes (without a TCB status: PCS collateral is not evaluated yet).
 *
 * @param pckSubject subject of the PCK leaf
 * @param fmspc the FMSPC from the PCK certificate's SGX extension (selects Intel's TCB info), hex
 * @param quote the verified quote
 */
public record TdxClaims(String pckSubject, String fmspc, TdxQuote quote) implements Claims {

    @Override
    public Platform platform() {
        return Platform.TDX;
    }

    @Override
    public Map<String, Object> toJsonMap() {
        HexFormat h = HexFormat.of();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("quote_version", quote.version());
        j.put("pck_subject", pckSubject);
        j.put("fmspc", fmspc);
        j.put("tcb_status", "not evaluated (no PCS collateral)");
        j.put("tee_tcb_svn", h.formatHex(quote.teeTcbSvn()));
        j.put("mrseam", h.formatHex(quote.mrSeam()));
        j.put("td_attributes", h.formatHex(quote.tdAttributes()));
        j.put("debug", quote.debug());
        j.put("xfam", h.formatHex(quote.xfam()));
        j.put("mrtd", h.formatHex(quote.mrTd()));
        j.put("mrconfigid", h.formatHex(quote.mrConfigId()));
        j.put("mrowner", h.formatHex(quote.mrOwner()));
        j.put("mrownerconfig", h.formatHex(quote.mrOwnerConfig()));
        j.put("rtmr", List.of(h.formatHex(quote.rtmr(0)), h.formatHex(quote.rtmr(1)), h.formatHex(quote.rtmr(2)),
                h.formatHex(quote.rtmr(3))));
        j.put("report_data", h.formatHex(quote.reportData()));
        return j;
    }
}
