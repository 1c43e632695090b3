package dev.cloister.cli;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaRim;
import dev.cloister.attest.policy.PolicyFile;
import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.UsageException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister attest}: the auditor's tools for attestation evidence. */
@Command(
        name = "attest",
        mixinStandardHelpOptions = true,
        description = "Attestation evidence tools.",
        subcommands = {AttestCommand.Verify.class})
public final class AttestCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What kind of evidence a file holds. */
    enum Kind {
        SEV_SNP,
        TDX,
        NVIDIA_GPU,
        BUNDLE
    }

    /**
     * {@code cloister attest verify}: checks any evidence blob and prints the verdict and the claims as JSON. Exit 0
     * only when accepted.
     */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description =
                    "Verify SEV-SNP, TDX or NVIDIA GPU evidence (or a Cloister evidence bundle); print the verdict "
                            + "and claims as JSON; exit 0 only if accepted.")
    static final class Verify implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--kind", required = true, description = "sev-snp | tdx | nvidia-gpu | bundle")
        String kind;

        @Option(
                names = "--evidence",
                required = true,
                description = "Report, quote, GPU report (binary or hex) or bundle")
        Path evidence;

        @Option(
                names = "--certs",
                description = "SEV-SNP: the VCEK/VLEK (DER or PEM) or a certificate table; "
                        + "NVIDIA: the device certificate chain (PEM)")
        Path certs;

        @Option(
                names = "--collateral",
                description =
                        "SEV-SNP: the ASK/ARK chain (PEM); default: the pinned built-in one. "
                                + "TDX: a directory of Intel PCS collateral (tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json, "
                                + "qe_identity_issuer_chain.pem, pck_crl.der, root_crl.der); default: genuineness only, no TCB status")
        Path collateral;

        @Option(
                names = "--crl",
                description = "SEV-SNP: AMD's CRL for the product line (KDS /vcek/v1/<product>/crl, DER)")
        Path crl;

        @Option(
                names = "--ocsp",
                split = ",",
                description = "NVIDIA: OCSP responses (DER), one per device certificate "
                        + "below the root, leaf first (comma-separated)")
        List<Path> ocsp;

        @Option(
                names = "--rims",
                description = "NVIDIA: a directory of signed RIMs (*.swidtag) to match measurements against")
        Path rims;

        @Option(
                names = "--gpus",
                description = "bundle: exactly how many GPUs it must carry (default: the --release-entry's gpu_count, "
                        + "else 0)")
        Integer gpus;

        @Option(
                names = "--release-entry",
                paramLabel = "FILE",
                description = "bundle: the signed release entry ('release publish --entry-out') the CPU report must "
                        + "measure and whose gpu_count the bundle must carry; its signature must verify under a "
                        + "--release-vkey and its validity contain --at")
        Path releaseEntry;

        @Option(
                names = "--release-vkey",
                paramLabel = "VKEY",
                description = "bundle: a release key (vkey) that may have signed the --release-entry; repeatable; "
                        + "at least one with --release-entry")
        List<String> releaseVkeys = new ArrayList<>();

        @Option(
                names = "--gpu-refreshed-at",
                description = "bundle: the GPU refresh time of the RA-TLS certificate's evidence (with --gpu-salt): "
                        + "GPU i's report must carry that freshness's nonce i")
        Instant gpuRefreshedAt;

        @Option(
                names = "--gpu-salt",
                description = "bundle: the GPU nonce salt (32 bytes, hex) of the RA-TLS certificate's evidence")
        String gpuSalt;

        @Option(names = "--at", description = "Verify as of this instant (ISO-8601; default: now)")
        Instant at;

        @Option(names = "--policy", description = "JSON policy file (see README); default: genuine evidence only")
        Path policyFile;

        /**
         * A usage error (an unknown kind, an option the kind needs, an input file that is missing or a directory)
         * leaves as an exception, exit 2; only the evidence itself is given a verdict.
         */
        @Override
        public Integer call() throws FileSystemException {
            PrintWriter out = spec.commandLine().getOut();
            Instant now = at != null ? at : Instant.now();
            Kind which = parseKind(kind);
            if (which == Kind.SEV_SNP || which == Kind.NVIDIA_GPU) require(certs, "--certs");
            try {
                PolicyFile policy = policyFile == null
                        ? PolicyFile.genuine()
                        : PolicyFile.parse(readBounded(policyFile, PolicyFile.MAX_BYTES));
                List<AttestationResult> results = verify(which, now, policy);
                JsonArray verdicts = new JsonArray();
                results.forEach(r -> verdicts.add(new JsonObject(r.toJson())));
                out.println(
                        results.size() == 1
                                ? verdicts.getJsonObject(0).encodePrettily()
                                : new JsonObject()
                                        .put("verdict", "accepted")
                                        .put("results", verdicts)
                                        .encodePrettily());
                out.flush();
                return 0;
            } catch (FileSystemException | UsageException usage) {
                throw usage;
            } catch (AttestationException | IOException | RuntimeException e) {
                out.println(new JsonObject()
                        .put("verdict", "refused")
                        .put("reason", String.valueOf(e.getMessage()))
                        .encodePrettily());
                out.flush();
                return 1;
            }
        }

        private static Kind parseKind(String text) {
            return switch (text) {
                case "sev-snp" -> Kind.SEV_SNP;
                case "tdx" -> Kind.TDX;
                case "nvidia-gpu" -> Kind.NVIDIA_GPU;
                case "bundle" -> Kind.BUNDLE;
                default -> throw new UsageException("--kind " + text, "must be sev-snp, tdx, nvidia-gpu or bundle");
            };
        }

        /** Evidence files are at most a few hundred KiB (a bundle: 256 KiB); larger input is refused unread. */
        private static final int MAX_EVIDENCE = 1024 * 1024;

        private static byte[] readBounded(Path file, int max) throws IOException {
            if (Files.isDirectory(file)) {
                throw new FileSystemException(file.toString(), null, "is a directory, a file is needed");
            }
            if (Files.size(file) > max) {
                throw new IOException(file + " is larger than " + max + " bytes");
            }
            return Files.readAllBytes(file);
        }

        private List<AttestationResult> verify(Kind which, Instant now, PolicyFile policy)
                throws AttestationException, IOException {
            AttestationVerifier verifier = AttestationVerifier.create();
            byte[] bytes = readBounded(evidence, MAX_EVIDENCE);
            return switch (which) {
                case SEV_SNP ->
                    List.of(verifier.verify(
                            now,
                            SevSnpEvidence.of(bytes),
                            sevSnpEndorsements(
                                    require(certs, "--certs"),
                                    collateral == null ? null : readBounded(collateral, MAX_EVIDENCE)),
                            policy.sevSnp()));
                case TDX ->
                    List.of(verifier.verify(
                            now,
                            TdxEvidence.of(bytes),
                            collateral == null
                                    ? TdxEndorsements.embeddedPckChain()
                                    : TdxEndorsements.withCollateral(TdxCollateral.fromDirectory(collateral)),
                            policy.tdx()));
                case NVIDIA_GPU ->
                    List.of(verifier.verify(
                            now,
                            gpuEvidence(bytes),
                            gpuEndorsements(
                                    NvidiaGpuEndorsements.ofPem(readBounded(require(certs, "--certs"), MAX_EVIDENCE))),
                            gpuPolicy(now, policy.nvidiaGpu())));
                case BUNDLE -> bundle(verifier, EvidenceBundle.decode(bytes), now, policy);
            };
        }

        private List<AttestationResult> bundle(
                AttestationVerifier verifier, EvidenceBundle bundle, Instant now, PolicyFile policy)
                throws AttestationException, IOException {
            Optional<ReleaseManifest> release = releaseManifest(now);
            if (gpus != null && (gpus < 0 || gpus > EvidenceBundle.MAX_GPUS)) {
                throw new UsageException("--gpus " + gpus, "must be 0 to " + EvidenceBundle.MAX_GPUS);
            }
            if (gpus != null && release.isPresent() && gpus != release.get().gpuCount()) {
                throw new UsageException(
                        "--gpus " + gpus,
                        "differs from the --release-entry's gpu_count "
                                + release.get().gpuCount());
            }
            Optional<GpuFreshness> freshness = gpuFreshness();
            List<AttestationResult> results = new ArrayList<>();
            if (!EvidenceBundle.SEV_SNP_REPORT.equals(bundle.cpu().mediaType())) {
                throw new AttestationException("bundle: CPU evidence of type "
                        + bundle.cpu().mediaType() + " is not supported by this command yet");
            }
            // The count first (cheap): exactly as many GPUs as asked, or as the release runs on.
            int expected =
                    gpus != null ? gpus : release.map(ReleaseManifest::gpuCount).orElse(0);
            if (bundle.gpus().size() != expected) {
                throw new AttestationException(
                        "bundle: it carries the evidence of " + bundle.gpus().size()
                                + " GPU(s), "
                                + (gpus != null
                                        ? "--gpus says " + expected
                                        : release.isPresent()
                                                ? "the release's gpu_count is " + expected
                                                : "want 0 (give --gpus N or --release-entry)"));
            }
            byte[] chain = bundle.cpuEndorsements().value().toByteArray();
            AttestationResult cpu = verifier.verify(
                    now,
                    SevSnpEvidence.of(bundle.cpu().value().toByteArray()),
                    // VCEK first, then ASK and ARK (EvidenceBundle's cpu-endorsements), as RA-TLS reads it.
                    SevSnpEndorsements.of(firstPemCertificate(chain), restOfPemChain(chain)),
                    policy.sevSnp());
            results.add(cpu);
            if (release.isPresent()
                    && cpu.claims() instanceof dev.cloister.attest.sevsnp.SevSnpClaims c
                    && !release.get().snpLaunchDigests().contains(Bytes.of(c.measurement()))) {
                throw new AttestationException("bundle: the CPU report measures "
                        + dev.cloister.base.Hex.format(c.measurement()) + ", which release '"
                        + release.get().release() + "' does not name");
            }
            if (release.isPresent() && !release.get().gpus().isEmpty()) {
                requireRimsTheReleaseNames(release.get());
            }
            NvidiaGpuPolicy gpuPolicy = gpuPolicy(now, policy.nvidiaGpu());
            if (!bundle.gpus().isEmpty() && freshness.isEmpty() && gpuPolicy.nonce() instanceof ReferenceValue.Skip) {
                throw new AttestationException("bundle: no nonce to check its GPU reports against: give "
                        + "--gpu-refreshed-at and --gpu-salt (the RA-TLS certificate's GPU freshness) or "
                        + "nvidia-gpu.nonce in --policy");
            }
            // Every GPU of a multi-GPU bundle, each under its own chain and with its own nonce, and no GPU counted
            // twice.
            List<NvidiaGpuEndorsements> chains = new ArrayList<>();
            List<EvidenceBundle.GpuEntries> all = bundle.gpus();
            for (int i = 0; i < all.size(); i++) {
                EvidenceBundle.GpuEntries g = all.get(i);
                NvidiaGpuEndorsements gpuChain =
                        NvidiaGpuEndorsements.ofPem(g.endorsements().value().toByteArray());
                chains.add(gpuChain);
                int gpu = i;
                NvidiaGpuPolicy own = freshness
                        .map(f -> gpuPolicy.withNonce(new ReferenceValue.Digests(List.of(Bytes.of(f.nonce(gpu))))))
                        .orElse(gpuPolicy);
                try {
                    results.add(verifier.verify(
                            now, NvidiaGpuEvidence.of(g.report().value().toByteArray()), gpuChain, own));
                } catch (AttestationException e) {
                    throw e.whileDoing("verifying GPU " + i + " of " + all.size() + " in the bundle");
                }
            }
            dev.cloister.attest.nvgpu.NvidiaGpuIdentity.requireDistinct(chains);
            return results;
        }

        /**
         * The release of {@code --release-entry}, if given, once its signature verifies under one of the
         * {@code --release-vkey}s and its validity window contains {@code now} (what a client checks before it reads a
         * release: an unsigned or forged entry could otherwise set the GPU count and the measurement).
         *
         * @throws UsageException when the file is not a signed release, or no release key is given to check it
         * @throws AttestationException when the entry's key is not a given release key, its signature does not verify,
         *     or it is not valid at {@code now}
         */
        private Optional<ReleaseManifest> releaseManifest(Instant now) throws IOException, AttestationException {
            if (releaseEntry == null) {
                if (!releaseVkeys.isEmpty()) {
                    throw new UsageException("--release-vkey", "is used with --release-entry only");
                }
                return Optional.empty();
            }
            List<Bytes> trusted = releaseKeys();
            SignedRelease signed;
            try {
                if (!(LedgerEntry.decode(readBounded(releaseEntry, 65535)) instanceof SignedRelease s)) {
                    throw new UsageException("--release-entry " + releaseEntry, "is not a signed release");
                }
                signed = s;
            } catch (FormatException e) {
                throw new UsageException("--release-entry " + releaseEntry, e.getMessage());
            }
            if (signed.verifiedBy(trusted).isEmpty()) {
                throw new AttestationException(
                        "bundle: the --release-entry ('" + signed.manifest().release() + "') "
                                + (trusted.contains(signed.releaseKey())
                                        ? "does not carry a valid signature of its release key "
                                                + signed.releaseKey().hex()
                                        : "is signed by the key "
                                                + signed.releaseKey().hex() + ", which no --release-vkey " + "names"));
            }
            ReleaseManifest m = signed.manifest();
            if (!m.validAt(now)) {
                throw new AttestationException("bundle: the --release-entry ('" + m.release() + "') is valid "
                        + m.notBefore() + " .. " + m.notAfter() + ", not at " + now);
            }
            return Optional.of(m);
        }

        /** The raw Ed25519 keys of {@code --release-vkey}: at least one, since a release entry is read only signed. */
        private List<Bytes> releaseKeys() {
            if (releaseVkeys.isEmpty()) {
                throw new UsageException(
                        "--release-entry " + releaseEntry,
                        "needs --release-vkey: the release key whose signature it must carry (an unsigned or "
                                + "forged entry would set the measurement and the GPU count)");
            }
            List<Bytes> keys = new ArrayList<>();
            for (String k : releaseVkeys) {
                dev.cloister.ledger.note.VerifierKey key = Arguments.vkey("--release-vkey", k);
                if (key.type() != dev.cloister.ledger.note.SignatureType.ED25519) {
                    throw new UsageException("--release-vkey " + k, "is not an Ed25519 key");
                }
                keys.add(key.publicKey());
            }
            return keys;
        }

        /** The GPU freshness of {@code --gpu-refreshed-at} and {@code --gpu-salt} (both or neither). */
        private Optional<GpuFreshness> gpuFreshness() {
            if ((gpuRefreshedAt == null) != (gpuSalt == null)) {
                throw new UsageException("--gpu-refreshed-at / --gpu-salt", "go together");
            }
            if (gpuRefreshedAt == null) return Optional.empty();
            try {
                return Optional.of(new GpuFreshness(
                        gpuRefreshedAt,
                        Bytes.of(Arguments.hex(
                                "--gpu-salt", gpuSalt.toLowerCase(java.util.Locale.ROOT), GpuFreshness.SALT_LENGTH))));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--gpu-refreshed-at " + gpuRefreshedAt, e.getMessage());
            }
        }

        private SevSnpEndorsements sevSnpEndorsements(Path certsFile, byte[] chain)
                throws AttestationException, IOException {
            byte[] certificate = readBounded(certsFile, MAX_EVIDENCE);
            SevSnpEndorsements e = certificate.length >= 24 && !startsWithPemOrDer(certificate)
                    ? dev.cloister.attest.sevsnp.SevSnpCertificateTable.parse(certificate)
                            .endorsements()
                    : SevSnpEndorsements.of(certificate, chain);
            return crl == null ? e : e.withCrl(readBounded(crl, MAX_EVIDENCE));
        }

        private static boolean startsWithPemOrDer(byte[] b) {
            return b[0] == 0x30 || (b[0] == '-' && b[1] == '-');
        }

        /** The first certificate of a PEM chain, as PEM text (the VCEK in a bundle's chain). */
        private static byte[] firstPemCertificate(byte[] pem) throws AttestationException {
            String text = new String(pem, StandardCharsets.US_ASCII);
            String end = "-----END CERTIFICATE-----";
            int stop = text.indexOf(end);
            if (stop < 0) throw new AttestationException("bundle: CPU endorsements are not a PEM chain");
            return text.substring(0, stop + end.length()).getBytes(StandardCharsets.US_ASCII);
        }

        /** The certificates after the first (ASK ‖ ARK), or null when the chain holds the VCEK alone. */
        private static byte[] restOfPemChain(byte[] pem) throws AttestationException {
            String rest = new String(pem, StandardCharsets.US_ASCII)
                    .substring(firstPemCertificate(pem).length)
                    .strip();
            return rest.isEmpty() ? null : rest.getBytes(StandardCharsets.US_ASCII);
        }

        private static NvidiaGpuEvidence gpuEvidence(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.US_ASCII).strip();
            return text.chars().allMatch(c -> Character.digit(c, 16) >= 0) && !text.isEmpty()
                    ? NvidiaGpuEvidence.ofHex(text)
                    : NvidiaGpuEvidence.of(bytes);
        }

        private NvidiaGpuEndorsements gpuEndorsements(NvidiaGpuEndorsements chain)
                throws AttestationException, IOException {
            if (ocsp == null || ocsp.isEmpty()) return chain;
            List<byte[]> responses = new ArrayList<>();
            for (Path p : ocsp) responses.add(readBounded(p, MAX_EVIDENCE));
            return chain.withOcspResponses(responses);
        }

        /**
         * A release that names GPU reference values: its GPUs are measured against RIMs it names, as a client
         * measures them, so {@code --rims} must be given and every RIM in it must be one whose SHA-384 the release
         * names (a RIM of another release, or of none, would let other firmware pass).
         */
        private void requireRimsTheReleaseNames(ReleaseManifest release) throws AttestationException, IOException {
            if (rims == null) {
                throw new AttestationException("bundle: release '" + release.release()
                        + "' names GPU RIMs: give them with --rims to measure its GPUs against");
            }
            java.util.Set<Bytes> named = new java.util.HashSet<>();
            for (var g : release.gpus()) {
                named.add(g.driverRim().value());
                named.add(g.vbiosRim().value());
            }
            try (Stream<Path> files = Files.list(rims)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".swidtag"))
                        .sorted()
                        .toList()) {
                    Bytes digest;
                    try {
                        digest = Bytes.of(java.security.MessageDigest.getInstance("SHA-384")
                                .digest(readBounded(file, MAX_EVIDENCE)));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                    if (!named.contains(digest)) {
                        throw new AttestationException("bundle: RIM " + file.getFileName() + " (sha384 " + digest.hex()
                                + ") is not one that release '" + release.release() + "' names");
                    }
                }
            }
        }

        /** The policy file's GPU policy, plus the signed RIMs of --rims to match measurements against. */
        private NvidiaGpuPolicy gpuPolicy(Instant now, NvidiaGpuPolicy policy)
                throws AttestationException, IOException {
            if (rims != null) {
                List<NvidiaRim> verified = new ArrayList<>();
                try (Stream<Path> files = Files.list(rims)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".swidtag"))
                            .sorted()
                            .toList()) {
                        verified.add(NvidiaRim.verify(now, readBounded(file, MAX_EVIDENCE)));
                    }
                }
                if (verified.isEmpty()) throw new AttestationException("--rims " + rims + " holds no *.swidtag");
                policy = policy.withMeasurements(new NvidiaGpuPolicy.MatchRims(verified));
            }
            return policy;
        }

        private static Path require(Path path, String option) {
            if (path == null) throw new UsageException(option, "is required for --kind sev-snp and nvidia-gpu");
            return path;
        }
    }
}
