package dev.cloister.operator;

import dev.cloister.attest.ratls.AcceptedCpuPlatforms;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.server.command.UsageException;

/**
 * {@code --cpu-platform sev-snp|tdx|any} on a verifier's side (the client commands, the gateway): which CPU TEEs an
 * enclave may attest with ({@link AcceptedCpuPlatforms}). SEV-SNP alone is the default; on real hardware TDX quotes
 * are accepted only against the TDX platforms of accepted releases, under {@link #genuineIntelUpToDate()}.
 */
public final class CpuPlatformOption {

    private CpuPlatformOption() {}

    /** The choice {@code value} names; anything else is a usage error naming the option and the value. */
    public static AcceptedCpuPlatforms.Choice parse(String value) {
        return AcceptedCpuPlatforms.Choice.named(value)
                .orElseThrow(
                        () -> new UsageException(AcceptedCpuPlatforms.OPTION + " " + value, "is sev-snp, tdx or any"));
    }

    /**
     * Genuine Intel (the Intel SGX Root CA, Intel's TD quoting enclave, hardened TD attributes, all-zero launch
     * configuration) and TCB status UpToDate: the base a release's TDX registers are checked under on real hardware.
     */
    public static TdxPolicy genuineIntelUpToDate() {
        return TdxPolicy.genuineIntel().withTcb(TdxPolicy.TcbStatusIn.upToDate());
    }
}
