package dev.cloister.operator;

import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.server.command.UsageException;

/**
 * {@code --cpu-platform} on a verifier's side (the client commands, the gateway): which CPU TEEs an enclave may attest
 * with. SEV-SNP alone is the default; TDX quotes are accepted only against the TDX platforms of accepted releases, with
 * Intel's collateral reporting TCB status UpToDate.
 */
public enum CpuPlatformChoice {
    SEV_SNP("sev-snp"),
    TDX("tdx"),
    ANY("any");

    public static final String OPTION = "--cpu-platform";

    private final String value;

    CpuPlatformChoice(String value) {
        this.value = value;
    }

    /** The choice {@code value} names; anything else is a usage error naming the option and the value. */
    public static CpuPlatformChoice parse(String value) {
        for (CpuPlatformChoice c : values()) {
            if (c.value.equals(value)) return c;
        }
        throw new UsageException(OPTION + " " + value, "is sev-snp, tdx or any");
    }

    public boolean acceptsSevSnp() {
        return this != TDX;
    }

    public boolean acceptsTdx() {
        return this != SEV_SNP;
    }

    /**
     * Genuine Intel (the Intel SGX Root CA, Intel's TD quoting enclave, hardened TD attributes, all-zero launch
     * configuration) and TCB status UpToDate: the base a release's TDX registers are checked under on real hardware.
     */
    public static TdxPolicy genuineIntelUpToDate() {
        return TdxPolicy.genuineIntel().withTcb(TdxPolicy.TcbStatusIn.upToDate());
    }

    @Override
    public String toString() {
        return value;
    }
}
