package dev.cloister.node.cli;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaRim;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister attest}: the auditor's tools for attestation evidence. */
@Command(name = "attest", mixinStandardHelpOptions = true, description = "Attestation evidence tools.",
        subcommands = {AttestCommand.Verify.class})
public final class AttestCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What kind of evidence a file holds. */
    enum Kind { SEV_SNP, TDX, NVIDIA_GPU, BUNDLE }

    /**
     * {@code cloister attest verify}: checks any evidence blob and prints the verdict and the claims as JSON. Exit 0
     * only when accepted.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify SEV-SNP, TDX or NVIDIA GPU evidence (or a Cloister evidence bundle); print the verdict "
                    + "and claims as JSON; exit 0 only if accepted.")
    static final class Verify implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--kind", required = true, description = "sev-snp | tdx | nvidia-gpu | bundle")
        String kind;

        @Option(names = "--evidence", required = true, description = "Report, quote, GPU report (binary or hex) or bundle")
        Path evidence;

        @Option(names = "--certs", description = "SEV-SNP: the VCEK/VLEK (DER or PEM) or a certificate table; "
                + "NVIDIA: the device certificate chain (PEM)")
        Path certs;

        @Option(names = "--collateral", description = "SEV-SNP: the ASK/ARK chain (PEM); default: the pinned built-in one")
        Path collateral;

        @Option(names = "--rims", description = "NVIDIA: a directory of signed RIMs (*.swidtag) to match measurements against")
        Path rims;

        @Option(names = "--at", description = "Verify as of this instant (ISO-8601; default: now)")
        Instant at;

        @Option(names = "--policy", description = "JSON policy file (see README); default: genuine evidence only")
        Path policyFile;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Instant now = at != null ? at : Instant.now();
            try {
                JsonObject policy = policyFile == null ? new JsonObject()
                        : new JsonObject(Files.readString(policyFile, StandardCharsets.UTF_8));
                List<AttestationResult> results = verify(parseKind(kind), now, policy);
                JsonArray verdicts = new JsonArray();
                results.forEach(r -> verdicts.add(new JsonObject(r.toJson())));
                out.println(results.size() == 1 ? verdicts.getJsonObject(0).encodePrettily()
                        : new JsonObject().put("verdict", "accepted").put("results", verdicts).encodePrettily());
                out.flush();
                return 0;
            } catch (AttestationException | IOException | RuntimeException e) {
                out.println(new JsonObject().put("verdict", "refused").put("reason", String.valueOf(e.getMessage()))
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
                default -> throw new IllegalArgumentException("--kind must be sev-snp, tdx, nvidia-gpu or bundle");
            };
        }

        private List<AttestationResult> verify(Kind which, Instant now, JsonObject policy)
                throws AttestationException, IOException {
            AttestationVerifier verifier = AttestationVerifier.create();
            byte[] bytes = Files.readAllBytes(evidence);
            return switch (which) {
                case SEV_SNP -> List.of(verifier.verify(now, SevSnpEvidence.of(bytes), sevSnpEndorsements(
                        require(certs, "--certs"), collateral == null ? null : Files.readAllBytes(collateral)),
                        sevSnpPolicy(policy.getJsonObject("sev-snp", new JsonObject()))));
                case TDX -> List.of(verifier.verify(now, TdxEvidence.of(bytes), TdxEndorsements.embeddedPckChain(),
                        TdxPolicy.genuineIntel()));
                case NVIDIA_GPU -> List.of(verifier.verify(now, gpuEvidence(bytes),
                        NvidiaGpuEndorsements.ofPem(Files.readAllBytes(require(certs, "--certs"))),
                        gpuPolicy(now, policy.getJsonObject("nvidia-gpu", new JsonObject()))));
                case BUNDLE -> bundle(verifier, EvidenceBundle.decode(bytes), now, policy);
            };
        }

        private List<AttestationResult> bundle(AttestationVerifier verifier, EvidenceBundle bundle, Instant now,
                JsonObject policy) throws AttestationException, IOException {
            List<AttestationResult> results = new ArrayList<>();
            if (!EvidenceBundle.SEV_SNP_REPORT.equals(bundle.cpu().mediaType())) {
                throw new AttestationException("bundle: CPU evidence of type " + bundle.cpu().mediaType()
                        + " is not supported by this command yet");
            }
            byte[] chain = bundle.cpuEndorsements().value();
            results.add(verifier.verify(now, SevSnpEvidence.of(bundle.cpu().value()), SevSnpEndorsements.of(
                    firstPemCertificate(chain), chain), sevSnpPolicy(policy.getJsonObject("sev-snp", new JsonObject()))));
            if (bundle.gpu().isPresent()) {
                byte[] gpuChain = bundle.gpuEndorsements().orElseThrow(() ->
                        new AttestationException("bundle: GPU evidence without its certificate chain")).value();
                results.add(verifier.verify(now, NvidiaGpuEvidence.of(bundle.gpu().get().value()),
                        NvidiaGpuEndorsements.ofPem(gpuChain),
                        gpuPolicy(now, policy.getJsonObject("nvidia-gpu", new JsonObject()))));
            }
            return results;
        }

        private static SevSnpEndorsements sevSnpEndorsements(Path certsFile, byte[] chain)
                throws AttestationException, IOException {
            byte[] certificate = Files.readAllBytes(certsFile);
            if (certificate.length >= 24 && !startsWithPemOrDer(certificate)) {
                return dev.cloister.attest.sevsnp.SevSnpCertificateTable.parse(certificate).endorsements();
            }
            return SevSnpEndorsements.of(certificate, chain);
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

        private static NvidiaGpuEvidence gpuEvidence(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.US_ASCII).strip();
            return text.chars().allMatch(c -> Character.digit(c, 16) >= 0) && !text.isEmpty()
                    ? NvidiaGpuEvidence.ofHex(text) : NvidiaGpuEvidence.of(bytes);
        }

        private static final Set<String> SEV_SNP_FIELDS = Set.of("measurement", "report_data", "host_data", "max_vmpl", "smt");

        /** The genuine-AMD policy narrowed by the policy file's "sev-snp" object; unknown fields are refused. */
        private static SevSnpPolicy sevSnpPolicy(JsonObject json) {
            for (String field : json.fieldNames()) {
                if (!SEV_SNP_FIELDS.contains(field)) {
                    throw new IllegalArgumentException("policy: unknown sev-snp field \"" + field + "\"");
                }
            }
            SevSnpPolicy policy = SevSnpPolicy.genuineAmd();
            if (json.containsKey("measurement")) policy = policy.withMeasurement(digests(json, "measurement"));
            if (json.containsKey("report_data")) policy = policy.withReportData(digests(json, "report_data"));
            if (json.containsKey("host_data")) policy = policy.withHostData(digests(json, "host_data"));
            if (json.containsKey("max_vmpl")) policy = policy.withMaximumVmpl(json.getInteger("max_vmpl"));
            if (json.containsKey("smt")) {
                policy = policy.withSmt(switch (json.getString("smt")) {
                    case "allowed" -> SevSnpPolicy.Smt.ALLOWED;
                    case "forbidden" -> SevSnpPolicy.Smt.FORBIDDEN;
                    default -> throw new IllegalArgumentException("policy: smt must be \"allowed\" or \"forbidden\"");
                });
            }
            return policy;
        }

        private NvidiaGpuPolicy gpuPolicy(Instant now, JsonObject json) throws AttestationException, IOException {
            for (String field : json.fieldNames()) {
                if (!field.equals("nonce")) throw new IllegalArgumentException("policy: unknown nvidia-gpu field \"" + field + "\"");
            }
            NvidiaGpuPolicy policy = NvidiaGpuPolicy.genuineNvidia();
            if (json.containsKey("nonce")) policy = policy.withNonce(digests(json, "nonce"));
            if (rims != null) {
                List<NvidiaRim> verified = new ArrayList<>();
                try (Stream<Path> files = Files.list(rims)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".swidtag")).sorted().toList()) {
                        verified.add(NvidiaRim.verify(now, Files.readAllBytes(file)));
                    }
                }
                if (verified.isEmpty()) throw new AttestationException("--rims " + rims + " holds no *.swidtag");
                policy = policy.withMeasurements(new NvidiaGpuPolicy.MatchRims(verified));
            }
            return policy;
        }

        /** A hex string, or an array of hex strings, as allowed digests. */
        private static ReferenceValue digests(JsonObject json, String field) {
            Object value = json.getValue(field);
            if (value instanceof String hex) return ReferenceValue.Digests.ofHex(hex);
            if (value instanceof JsonArray array) {
                return ReferenceValue.Digests.ofHex(array.stream().map(String::valueOf).toArray(String[]::new));
            }
            throw new IllegalArgumentException("policy: " + field + " must be a hex string or an array of them");
        }

        private static Path require(Path path, String option) {
            if (path == null) throw new IllegalArgumentException(option + " is required for this kind");
            return path;
        }
    }
}
