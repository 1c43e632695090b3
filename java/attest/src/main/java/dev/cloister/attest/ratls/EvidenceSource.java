package dev.cloister.attest.ratls;

import dev.cloister.attest.bundle.EvidenceBundle;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an enclave's evidence comes from: its platform (SEV-SNP firmware through configfs-tsm, an NVIDIA GPU through
 * NVML) or a simulator. RA-TLS asks for one CPU report per handshake (or per batch) with a REPORT_DATA it computed,
 * and for the GPU evidence that report must commit to.
 */
public interface EvidenceSource {

    /**
     * The GPU evidence in force now, refreshed by the source on its own schedule with a nonce derived from its
     * {@link GpuFreshness}; empty for an enclave without a GPU. Cheap when no refresh is due.
     *
     * @throws IOException if the GPU could not produce a report when one was due
     */
    Optional<GpuEvidence> currentGpuEvidence() throws IOException;

    /**
     * One hardware report whose REPORT_DATA is {@code reportData}, with its endorsements. Blocks (real hardware
     * serializes these: tens of milliseconds each); never call it on an event loop.
     *
     * @param reportData 64 bytes
     * @throws IOException if the platform did not produce a report
     */
    CpuEvidence cpuReport(byte[] reportData) throws IOException;

    /**
     * A CPU report and what the verifier needs with it.
     *
     * @param report bundle entry {@code cpu}
     * @param endorsements bundle entry {@code cpu-endorsements}
     * @param ledgerProofs bundle entry {@code ledger-proofs}, when the enclave carries them
     * @param crl bundle entry {@code cpu-crl}: AMD's CRL for the product line, when the source has it
     */
    record CpuEvidence(
            EvidenceBundle.Entry report,
            EvidenceBundle.Entry endorsements,
            Optional<EvidenceBundle.Entry> ledgerProofs,
            Optional<EvidenceBundle.Entry> crl) {
        public CpuEvidence {
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(endorsements, "endorsements");
            Objects.requireNonNull(ledgerProofs, "ledgerProofs");
            Objects.requireNonNull(crl, "crl");
        }

        /** CPU evidence without a stapled CRL (clients that require one refuse it). */
        public CpuEvidence(
                EvidenceBundle.Entry report,
                EvidenceBundle.Entry endorsements,
                Optional<EvidenceBundle.Entry> ledgerProofs) {
            this(report, endorsements, ledgerProofs, Optional.empty());
        }
    }

    /**
     * A GPU report, its endorsements, and when (with which salt) it was requested.
     *
     * @param report bundle entry {@code gpu}; its request nonce is {@code freshness.nonce()}
     * @param endorsements bundle entry {@code gpu-endorsements}
     * @param freshness the refresh time and salt
     * @param rims bundle entry {@code gpu-rims}: the signed RIMs the enclave staples, when it has them
     * @param ocsp bundle entry {@code gpu-ocsp}: OCSP responses for the device chain, when the source has them
     * @param additionalGpus the second and later GPUs of a multi-GPU enclave (bundle entries {@code gpu/i},
     *     {@code gpu-endorsements/i}, {@code gpu-ocsp/i}), GPU i's report requested with {@code freshness.nonce(i)}
     */
    record GpuEvidence(
            EvidenceBundle.Entry report,
            EvidenceBundle.Entry endorsements,
            GpuFreshness freshness,
            Optional<EvidenceBundle.Entry> rims,
            Optional<EvidenceBundle.Entry> ocsp,
            List<EvidenceBundle.GpuEntries> additionalGpus) {
        public GpuEvidence {
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(endorsements, "endorsements");
            Objects.requireNonNull(freshness, "freshness");
            Objects.requireNonNull(rims, "rims");
            Objects.requireNonNull(ocsp, "ocsp");
            additionalGpus = List.copyOf(additionalGpus);
        }

        /** The evidence of one GPU. */
        public GpuEvidence(
                EvidenceBundle.Entry report,
                EvidenceBundle.Entry endorsements,
                GpuFreshness freshness,
                Optional<EvidenceBundle.Entry> rims,
                Optional<EvidenceBundle.Entry> ocsp) {
            this(report, endorsements, freshness, rims, ocsp, List.of());
        }

        /** What REPORT_DATA commits to: {@link EvidenceBundle#gpuCommitment()} of the bundle this evidence goes in. */
        public byte[] commitment() {
            List<EvidenceBundle.Entry> reports = new java.util.ArrayList<>();
            reports.add(report);
            additionalGpus.forEach(g -> reports.add(g.report()));
            return EvidenceBundle.gpuCommitment(reports);
        }

        /** GPU evidence without stapled OCSP responses (clients that require them refuse it). */
        public GpuEvidence(
                EvidenceBundle.Entry report,
                EvidenceBundle.Entry endorsements,
                GpuFreshness freshness,
                Optional<EvidenceBundle.Entry> rims) {
            this(report, endorsements, freshness, rims, Optional.empty());
        }

        /** GPU evidence without stapled RIMs. */
        public GpuEvidence(EvidenceBundle.Entry report, EvidenceBundle.Entry endorsements, GpuFreshness freshness) {
            this(report, endorsements, freshness, Optional.empty(), Optional.empty());
        }
    }
}
