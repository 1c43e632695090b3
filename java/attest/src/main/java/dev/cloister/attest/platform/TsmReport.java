package dev.cloister.attest.platform;

import dev.cloister.base.Bytes;
import java.util.Objects;
import java.util.Optional;

/**
 * What the Linux configfs-tsm interface returned for one request (Documentation/ABI/testing/configfs-tsm).
 *
 * @param provider the {@code provider} attribute: {@code sev_guest} or {@code tdx_guest}
 * @param outblob the report (SEV-SNP ATTESTATION_REPORT or TDX quote)
 * @param auxblob the auxiliary data, if the provider gives any (SEV-SNP: the host's certificate table)
 * @param generation the {@code generation} counter the outblob belongs to
 */
public record TsmReport(String provider, Bytes outblob, Optional<Bytes> auxblob, long generation) {

    public TsmReport {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(outblob, "outblob");
        Objects.requireNonNull(auxblob, "auxblob");
    }
}
