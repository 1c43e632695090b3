package dev.cloister.attest.tdx;

import dev.cloister.attest.Claims;
import dev.cloister.attest.Platform;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a verified TDX quote establishes.
 *
 * @param pckSubject subject of the PCK leaf
 * @param fmspc the FMSPC from the PCK certificate's SGX extension (selects Intel's TCB info), hex
 * @param quote the verified quote
 * @param tcbLevel the TCB level from Intel's PCS collateral; empty when no collateral was supplied
 */
public record TdxClaims(String pckSubject, String fmspc, TdxQuote quote, Optional<TdxTcbLevel> tcbLevel)
        implements Claims {

    public TdxClaims {
        java.util.Objects.requireNonNull(tcbLevel, "tcbLevel");
    }

    /** Claims without a TCB level (no PCS collateral). */
    public TdxClaims(String pckSubject, String fmspc, TdxQuote quote) {
        this(pckSubject, fmspc, quote, Optional.empty());
    }

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
        j.put("tcb_status", tcbLevel.map(t -> t.status().pcsName()).orElse("not evaluated (no PCS collateral)"));
        tcbLevel.ifPresent(t -> j.put("tcb", t.toJsonMap()));
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
