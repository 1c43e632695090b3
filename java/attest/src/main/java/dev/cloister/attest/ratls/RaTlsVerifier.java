package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuIdentity;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaRim;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.sevsnp.AttestationReport;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxQuote;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Appraises a peer's RA-TLS certificate for one handshake: a function of (now, the nonce this side chose, the
 * certificate, the policy), in the order documented in RA-TLS.md. Returns the accepted peer or throws a
 * {@link RaTlsException} naming the failed check. Thread-safe (the evidence verifier's chain cache is shared).
 */
public final class RaTlsVerifier {

    /** Which side presented the certificate, and so which binding its REPORT_DATA must have. */
    public enum PeerRole {
        /** The TLS server: REPORT_DATA commits to our ClientHello.random (alone, or as a leaf of a batch). */
        SERVER,
        /** The TLS client in mutual RA-TLS: REPORT_DATA commits to our ServerHello.random. */
        CLIENT
    }

    /**
     * The AMD chains that endorsed accepted reports, decoded, shared by every verifier in the process (a client makes
     * one per session); each handshake still verifies its report under the chain at its own time.
     */
    private static final DecodedCpuEndorsements DECODED_CPU_ENDORSEMENTS = new DecodedCpuEndorsements();

    private final AttestationVerifier evidence;
    private final DecodedCpuEndorsements decodedCpuEndorsements;

    public RaTlsVerifier(AttestationVerifier evidence) {
        this(evidence, DECODED_CPU_ENDORSEMENTS);
    }

    /** A verifier remembering decoded AMD chains in {@code decoded} (tests compare it with a fresh one). */
    RaTlsVerifier(AttestationVerifier evidence, DecodedCpuEndorsements decoded) {
        this.evidence = Objects.requireNonNull(evidence, "evidence");
        this.decodedCpuEndorsements = Objects.requireNonNull(decoded, "decoded");
    }

    /**
     * @param now the verifier's time
     * @param role which side the certificate came from
     * @param ourNonce the 32-byte random this side sent in this handshake
     * @param certificateDer the peer's (only) certificate
     */
    public RaTlsAttestation verify(
            Instant now, PeerRole role, byte[] ourNonce, byte[] certificateDer, RaTlsPolicy policy)
            throws RaTlsException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(policy, "policy");
        if (ourNonce == null || ourNonce.length != 32) {
            throw new IllegalArgumentException("our nonce is 32 bytes");
        }
        // 1. Form: DER X.509 v3, Ed25519 key and valid self-signature, the evidence extension (critical, well-formed).
        RaTlsCertificate cert = RaTlsCertificate.parse(certificateDer);
        // 2. Time: within validity (± skew), and no longer-lived than the policy allows.
        Duration lifetime = Duration.between(cert.notBefore(), cert.notAfter());
        if (lifetime.compareTo(policy.maxCertificateLifetime()) > 0) {
            throw new RaTlsException(
                    RaTlsException.Reason.CERTIFICATE_NOT_VALID_NOW,
                    "certificate lifetime " + lifetime + " exceeds the policy's " + policy.maxCertificateLifetime());
        }
        if (now.isBefore(cert.notBefore().minus(policy.clockSkew()))
                || now.isAfter(cert.notAfter().plus(policy.clockSkew()))) {
            throw new RaTlsException(
                    RaTlsException.Reason.CERTIFICATE_NOT_VALID_NOW,
                    "certificate valid from " + cert.notBefore() + " to " + cert.notAfter() + ", now is " + now);
        }
        RaTlsEvidence ev = cert.evidence();
        EvidenceBundle bundle = ev.bundle();
        byte[] gpuBytes = bundle.gpuCommitment();
        // 3. The binding this handshake requires: our nonce (or the batch root it is a leaf of), this key, this GPU.
        long batchSize = 1;
        byte[] expected;
        if (ev.batch().isPresent()) {
            InclusionProof path = ev.batch().get();
            if (role != PeerRole.SERVER || policy.batching() == RaTlsPolicy.Batching.REFUSE) {
                throw new RaTlsException(
                        RaTlsException.Reason.BATCH_PATH_INVALID,
                        "a batched report is not accepted from this peer by the policy");
            }
            byte[] root;
            try {
                root = MerkleTree.rootFromInclusion(
                        path.leafIndex(),
                        path.treeSize(),
                        TreeHash.leafHash(ourNonce),
                        path.hashes().stream().map(Bytes::toByteArray).toList());
            } catch (ProofException e) {
                throw new RaTlsException(RaTlsException.Reason.BATCH_PATH_INVALID, e.getMessage(), e);
            }
            expected = HandshakeBinding.serverBatch(root, cert.spki().toByteArray(), gpuBytes);
            batchSize = path.treeSize();
        } else {
            expected = role == PeerRole.SERVER
                    ? HandshakeBinding.server(ourNonce, cert.spki().toByteArray(), gpuBytes)
                    : HandshakeBinding.client(ourNonce, cert.spki().toByteArray(), gpuBytes);
        }
        // 4. CPU evidence through the evidence verifier, with the binding as the only allowed REPORT_DATA.
        AttestationResult cpu = verifyCpu(now, bundle, policy, expected);
        // 5. GPU evidence: exactly the policy's count of distinct GPUs, each nonce recomputed from the refresh time and
        // salt, then its age.
        List<AttestationResult> gpus = verifyGpu(now, ev, policy, cpu);
        return new RaTlsAttestation(cpu, gpus, Bytes.of(cert.spkiSha256()), cert.notAfter(), batchSize);
    }

    private AttestationResult verifyCpu(Instant now, EvidenceBundle bundle, RaTlsPolicy policy, byte[] expected)
            throws RaTlsException {
        if (EvidenceBundle.TDX_QUOTE.equals(bundle.cpu().mediaType())) {
            return verifyTdx(now, bundle, policy, expected);
        }
        if (policy.platforms() instanceof RaTlsPolicy.TdxOnly) {
            throw new RaTlsException(
                    RaTlsException.Reason.CPU_EVIDENCE_REFUSED,
                    "the certificate carries an SEV-SNP report; the policy accepts TDX quotes only");
        }
        byte[] report = bundle.cpu().value().toByteArray();
        try {
            Bytes pem = bundle.cpuEndorsements().value();
            SevSnpEndorsements chain = decodedCpuEndorsements.decode(pem);
            SevSnpEndorsements endorsements = bundle.cpuCrl().isPresent()
                    ? chain.withCrl(bundle.cpuCrl().get().value().toByteArray())
                    : chain;
            AttestationResult accepted = evidence.verify(
                    now,
                    SevSnpEvidence.of(report),
                    endorsements,
                    policy.cpu().withReportData(new ReferenceValue.Digests(List.of(Bytes.of(expected)))));
            decodedCpuEndorsements.remember(pem, chain);
            return accepted;
        } catch (AttestationException e) {
            if (reportDataDiffers(report, expected)) {
                throw new RaTlsException(
                        RaTlsException.Reason.BINDING_MISMATCH,
                        "REPORT_DATA does not commit to this "
                                + "handshake's nonce, this certificate's key and this GPU evidence: " + e.getMessage(),
                        e);
            }
            throw new RaTlsException(
                    RaTlsException.Reason.CPU_EVIDENCE_REFUSED,
                    "while verifying the CPU evidence: " + e.getMessage(),
                    e);
        }
    }

    /**
     * A TDX quote: accepted only under a policy that allows TDX, with the stapled PCS collateral, and matching one TDX
     * platform of one accepted release ({@link TdxReleaseReferenceValues#appraise}), with the binding as the only
     * allowed REPORT_DATA.
     */
    private AttestationResult verifyTdx(Instant now, EvidenceBundle bundle, RaTlsPolicy policy, byte[] expected)
            throws RaTlsException {
        RaTlsPolicy.TdxReleases tdx = switch (policy.platforms()) {
            case RaTlsPolicy.SevSnpOnly s ->
                throw new RaTlsException(
                        RaTlsException.Reason.CPU_EVIDENCE_REFUSED,
                        "the certificate carries a TDX quote; the policy accepts SEV-SNP reports only");
            case RaTlsPolicy.TdxOnly t -> t.tdx();
            case RaTlsPolicy.SevSnpOrTdx t -> t.tdx();
        };
        byte[] quote = bundle.cpu().value().toByteArray();
        try {
            TdxCollateral collateral = TdxCollateral.ofParts(bundle.tdxCollateralParts());
            TdxReleaseReferenceValues.Match match = TdxReleaseReferenceValues.appraise(
                    evidence.tdx(),
                    now,
                    TdxEvidence.of(quote),
                    TdxEndorsements.withCollateral(collateral),
                    tdx.base().withReportData(new ReferenceValue.Digests(List.of(Bytes.of(expected)))),
                    tdx.releases());
            return new AttestationResult(now, match.claims());
        } catch (AttestationException e) {
            if (tdxReportDataDiffers(quote, expected)) {
                throw new RaTlsException(
                        RaTlsException.Reason.BINDING_MISMATCH,
                        "REPORT_DATA does not commit to this "
                                + "handshake's nonce, this certificate's key and this GPU evidence: " + e.getMessage(),
                        e);
            }
            throw new RaTlsException(
                    RaTlsException.Reason.CPU_EVIDENCE_REFUSED, "while verifying the TDX quote: " + e.getMessage(), e);
        }
    }

    /** As {@link #reportDataDiffers}, for a TDX quote's REPORTDATA. */
    private static boolean tdxReportDataDiffers(byte[] quote, byte[] expected) {
        try {
            return !MessageDigest.isEqual(TdxQuote.parse(quote).reportData(), expected);
        } catch (AttestationException e) {
            return false;
        }
    }

    /** Only to name the reason of a refusal already decided by the verifier: the unverified REPORT_DATA field. */
    private static boolean reportDataDiffers(byte[] report, byte[] expected) {
        try {
            return !MessageDigest.isEqual(AttestationReport.parse(report).reportData(), expected);
        } catch (AttestationException e) {
            return false;
        }
    }

    /** Every GPU's accepted evidence, GPU 0 first (empty for a CPU-only peer). */
    private List<AttestationResult> verifyGpu(Instant now, RaTlsEvidence ev, RaTlsPolicy policy, AttestationResult cpu)
            throws RaTlsException {
        EvidenceBundle bundle = ev.bundle();
        switch (policy.gpu()) {
            case RaTlsPolicy.NoGpu n -> {
                if (bundle.gpu().isPresent()) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "the policy expects a CPU-only peer, the certificate carries GPU evidence");
                }
                return List.of();
            }
            case RaTlsPolicy.RequireGpu r -> {
                List<EvidenceBundle.GpuEntries> gpus = bundle.gpus();
                if (gpus.isEmpty() || ev.gpuFreshness().isEmpty()) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "the policy requires GPU evidence, the certificate carries none");
                }
                if (EvidenceBundle.NVIDIA_CC_OFF.equals(gpus.getFirst().report().mediaType())) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "the enclave runs its GPU with confidential computing off (--insecure-gpu-cc-off): the "
                                    + "host can read the GPU's memory");
                }
                int required = requiredGpus(r.gpus(), cpu);
                if (gpus.size() != required) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "the certificate carries the evidence of " + gpus.size() + " GPU(s), the policy requires "
                                    + "exactly " + required + " (the release's GPU count)");
                }
                GpuFreshness f = ev.gpuFreshness().get();
                List<AttestationResult> results = new ArrayList<>(gpus.size());
                List<NvidiaGpuEndorsements> chains = new ArrayList<>(gpus.size());
                NvidiaGpuPolicy gpuPolicy;
                try {
                    gpuPolicy = switch (r.rims()) {
                        case RaTlsPolicy.PolicyRims p -> r.policy();
                        case RaTlsPolicy.FromLedger l ->
                            throw new AttestationException(
                                    "the policy requires RIMs named by logged releases, and none were applied");
                        case RaTlsPolicy.PublishedRims p ->
                            r.policy().withMeasurements(publishedRims(now, bundle, p, cpu));
                    };
                } catch (AttestationException e) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "while verifying the GPU evidence: " + e.getMessage(),
                            e);
                }
                for (int i = 0; i < gpus.size(); i++) {
                    EvidenceBundle.GpuEntries g = gpus.get(i);
                    try {
                        NvidiaGpuEndorsements endorsements = NvidiaGpuEndorsements.ofPem(
                                g.endorsements().value().toByteArray());
                        chains.add(endorsements);
                        if (g.ocsp().isPresent()) {
                            endorsements = endorsements.withOcspResponses(g.ocspResponses());
                        }
                        results.add(evidence.verify(
                                now,
                                NvidiaGpuEvidence.of(g.report().value().toByteArray()),
                                endorsements,
                                gpuPolicy.withNonce(new ReferenceValue.Digests(List.of(Bytes.of(f.nonce(i)))))));
                    } catch (AttestationException e) {
                        throw new RaTlsException(
                                RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                                "while verifying the GPU evidence"
                                        + (gpus.size() > 1 ? " of GPU " + i + " of " + gpus.size() : "") + ": "
                                        + e.getMessage(),
                                e);
                    }
                }
                try {
                    NvidiaGpuIdentity.requireDistinct(chains);
                } catch (AttestationException e) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "while counting the GPUs: " + e.getMessage(),
                            e);
                }
                if (f.refreshedAt().isAfter(now.plus(policy.clockSkew()))) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_STALE,
                            "GPU evidence refreshed at " + f.refreshedAt() + ", in the future of " + now);
                }
                if (f.refreshedAt().plus(r.maxAge()).isBefore(now)) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_STALE,
                            "GPU evidence refreshed at " + f.refreshedAt() + " is older than " + r.maxAge() + " at "
                                    + now);
                }
                return results;
            }
        }
    }

    /** How many GPUs the peer must attest: the policy's count, or that of the release the CPU report measured. */
    private static int requiredGpus(RaTlsPolicy.GpuCount count, AttestationResult cpu) throws RaTlsException {
        return switch (count) {
            case RaTlsPolicy.Exactly e -> e.gpus();
            case RaTlsPolicy.ByRelease b -> {
                // The release the CPU evidence matched: an SEV-SNP launch digest, or a TD's platform and release
                // registers (all four, as the TDX appraisal matched them).
                Optional<RaTlsPolicy.LaunchMeasurement> launch = RaTlsPolicy.LaunchMeasurement.of(cpu.claims());
                Integer n = launch.map(l -> b.byLaunch().get(l)).orElse(null);
                if (n == null) {
                    throw new RaTlsException(
                            RaTlsException.Reason.GPU_EVIDENCE_REFUSED,
                            "no logged release gives the GPU count of the measured launch"
                                    + launch.map(l -> " (" + l.describe() + ")").orElse(""));
                }
                yield n;
            }
        };
    }

    /**
     * The stapled RIMs, each named by the published release the CPU evidence matched (another release's RIMs are
     * refused: each release is appraised against its own reference values) and signed under NVIDIA's RIM root, grouped
     * by the GPU models that release names: each GPU must match one model's driver RIM and one of its VBIOS RIMs.
     */
    private static NvidiaGpuPolicy.MatchOneModel publishedRims(
            Instant now, EvidenceBundle bundle, RaTlsPolicy.PublishedRims published, AttestationResult cpu)
            throws AttestationException {
        Optional<RaTlsPolicy.LaunchMeasurement> launch = RaTlsPolicy.LaunchMeasurement.of(cpu.claims());
        List<RaTlsPolicy.ModelRimDigests> own = launch.flatMap(published::of)
                .orElseThrow(() -> new AttestationException(
                        "no logged release of the measured launch names GPU reference values (RIMs)"));
        List<byte[]> documents = bundle.rimDocuments();
        if (documents.isEmpty()) {
            throw new AttestationException(
                    "the policy requires RIMs named by logged releases; the certificate staples none (gpu-rims)");
        }
        if (documents.size() < 2) {
            throw new AttestationException(
                    "the certificate staples " + documents.size() + " RIM; a driver RIM and a VBIOS RIM are needed");
        }
        // Every digest first (cheap: a RIM no release names is refused unread), then the signatures.
        List<Bytes> digests = new ArrayList<>();
        for (byte[] d : documents) {
            byte[] sha384;
            try {
                sha384 = java.security.MessageDigest.getInstance("SHA-384").digest(d);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            if (own.stream().flatMap(m -> m.digests().stream()).noneMatch(r -> r.contentEquals(sha384))) {
                throw new AttestationException("a stapled RIM (SHA-384 " + dev.cloister.base.Hex.format(sha384)
                        + ") is not named by "
                        + (published.anyNames(sha384)
                                ? "the release of the measured launch ("
                                        + launch.orElseThrow().describe() + ")"
                                        + " (only by another logged release: each release's GPUs are appraised"
                                        + " against its own RIMs)"
                                : "any logged release"));
            }
            digests.add(Bytes.of(sha384));
        }
        // The models whose driver RIM and at least one VBIOS RIM are stapled (by digest, still cheap)...
        List<RaTlsPolicy.ModelRimDigests> complete = new ArrayList<>();
        for (RaTlsPolicy.ModelRimDigests m : own) {
            List<Bytes> vbios = m.vbiosRims().stream().filter(digests::contains).toList();
            if (digests.contains(m.driverRim()) && !vbios.isEmpty()) {
                complete.add(new RaTlsPolicy.ModelRimDigests(m.model(), m.driverRim(), vbios));
            }
        }
        if (complete.isEmpty()) {
            throw new AttestationException("the stapled RIMs hold no driver RIM with a VBIOS RIM of one GPU model the "
                    + "release of the measured launch names (models: "
                    + own.stream().map(RaTlsPolicy.ModelRimDigests::model).toList() + ")");
        }
        // ...then every stapled RIM's signature.
        java.util.Map<Bytes, NvidiaRim> rims = new java.util.HashMap<>();
        for (int i = 0; i < documents.size(); i++) {
            rims.put(digests.get(i), NvidiaRim.verify(now, documents.get(i)));
        }
        List<NvidiaGpuPolicy.ModelRims> models = new ArrayList<>();
        for (RaTlsPolicy.ModelRimDigests m : complete) {
            models.add(new NvidiaGpuPolicy.ModelRims(
                    m.model(),
                    rims.get(m.driverRim()),
                    m.vbiosRims().stream().map(rims::get).toList()));
        }
        return new NvidiaGpuPolicy.MatchOneModel(models);
    }

    /** The bundle's {@code cpu-endorsements}: the VCEK (or VLEK) certificate first, then ASK and ARK, in PEM. */
    static SevSnpEndorsements cpuEndorsements(byte[] pem) throws AttestationException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        String end = "-----END CERTIFICATE-----";
        int first = text.indexOf(end);
        if (first < 0) {
            throw new AttestationException("cpu-endorsements holds no PEM certificate");
        }
        int split = first + end.length();
        String rest = text.substring(split).strip();
        return SevSnpEndorsements.of(
                text.substring(0, split).getBytes(StandardCharsets.US_ASCII),
                rest.isEmpty() ? null : rest.getBytes(StandardCharsets.US_ASCII));
    }
}
