package dev.cloister.attest.tdx;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The TCB level of a quote established from Intel's PCS collateral.
 *
 * @param status the converged status (the platform's, made worse by an out-of-date or revoked TDX module or QE, as
 *     Intel's quote verification library converges them): what the policy appraises
 * @param platformStatus of the matching TCB info level (PCK SGX components and PCESVN, TEE_TCB_SVN)
 * @param tdxModuleStatus of the TDX module (its identity's level, or the platform level when no identity applies)
 * @param qeStatus of the QE identity level matching the QE report's ISVSVN
 * @param tcbDate the matching platform level's date
 * @param advisoryIds Intel security advisories of the platform, module and QE levels (no duplicates)
 * @param tcbEvaluationDataNumber of the TCB info
 * @param qeTcbEvaluationDataNumber of the QE identity
 * @param tdxModuleIdentity "TDX_01"-style id of the module identity used, or "tdxModule"
 */
public record TdxTcbLevel(
        TcbStatus status,
        TcbStatus platformStatus,
        TcbStatus tdxModuleStatus,
        TcbStatus qeStatus,
        Instant tcbDate,
        List<String> advisoryIds,
        int tcbEvaluationDataNumber,
        int qeTcbEvaluationDataNumber,
        String tdxModuleIdentity) {

    public TdxTcbLevel {
        Objects.requireNonNull(status, "status");
        advisoryIds = List.copyOf(advisoryIds);
    }

    public Map<String, Object> toJsonMap() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("status", status.pcsName());
        j.put("platform_status", platformStatus.pcsName());
        j.put("tdx_module_status", tdxModuleStatus.pcsName());
        j.put("tdx_module_identity", tdxModuleIdentity);
        j.put("qe_status", qeStatus.pcsName());
        j.put("tcb_date", tcbDate.toString());
        j.put("advisory_ids", advisoryIds);
        j.put("tcb_evaluation_data_number", tcbEvaluationDataNumber);
        j.put("qe_tcb_evaluation_data_number", qeTcbEvaluationDataNumber);
        return j;
    }
}
