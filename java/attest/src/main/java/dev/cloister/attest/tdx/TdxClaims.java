package dev.cloister.attest.tdx;

import dev.cloister.attest.Claims;
import dev.cloister.attest.Platform;
import dev.cloister.base.Hex;
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
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("quote_version", quote.version());
        j.put("pck_subject", pckSubject);
        j.put("fmspc", fmspc);
        j.put("tcb_status", tcbLevel.map(t -> t.status().pcsName()).orElse("not evaluated (no PCS collateral)"));
        tcbLevel.ifPresent(t -> j.put("tcb", t.toJsonMap()));
        j.put("tee_tcb_svn", Hex.format(quote.teeTcbSvn()));
        j.put("mrseam", Hex.format(quote.mrSeam()));
        j.put("td_attributes", Hex.format(quote.tdAttributes()));
        j.put("debug", quote.debug());
        j.put("xfam", Hex.format(quote.xfam()));
        j.put("mrtd", Hex.format(quote.mrTd()));
        j.put("mrconfigid", Hex.format(quote.mrConfigId()));
        j.put("mrowner", Hex.format(quote.mrOwner()));
        j.put("mrownerconfig", Hex.format(quote.mrOwnerConfig()));
        j.put(
                "rtmr",
                List.of(
                        Hex.format(quote.rtmr(0)),
                        Hex.format(quote.rtmr(1)),
                        Hex.format(quote.rtmr(2)),
                        Hex.format(quote.rtmr(3))));
        j.put("report_data", Hex.format(quote.reportData()));
        return j;
    }
}
