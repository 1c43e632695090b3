package dev.cloister.cli;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.measure.MeasurementException;
import dev.cloister.attest.measure.TdvfImage;
import dev.cloister.attest.measure.VcpuType;
import dev.cloister.attest.measure.VmmType;
import dev.cloister.attest.nvgpu.NvidiaRim;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.ReleaseRevocation;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.entry.SnpShape;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.UsageException;
import dev.cloister.server.ledger.LedgerPublisher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister release}: publish a CVM image as a signed release in the ledger, or revoke one. */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = "Publish an enclave image as a release signed by a release key, or revoke a release.",
        subcommands = {ReleaseCommand.Publish.class, ReleaseCommand.Revoke.class})
public final class ReleaseCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Submits an entry under the submitter key; writes its proof (for the key directory) when asked. */
    static LedgerPublisher.Published submit(URI ledger, Ed25519NoteSigner submitter, byte[] entry, Path proofOut)
            throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            LedgerPublisher.Published published = new LedgerPublisher(
                            WebClient.create(vertx), ledger, submitter, Duration.ofSeconds(30))
                    .publish(entry)
                    .await(60, TimeUnit.SECONDS);
            if (proofOut != null) Files.write(proofOut, published.proof().encode());
            return published;
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code cloister release publish}: measures an image from {@code cvm-boot/build.sh} (per VM shape), signs the
     * release with the release key and logs it with the submitter key.
     */
    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
            description = "Compute an image's measurements (SEV-SNP launch digest per vCPU count; TDX RTMR1/RTMR2, "
                    + "with MRTD and RTMR0 per host platform), sign them as a release with the release key and log "
                    + "the release in the ledger.")
    static final class Publish implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--image", required = true, paramLabel = "DIR", description = "What cvm-boot/build.sh wrote")
        Path image;

        @Option(names = "--ledger", required = true, description = "Ledger base URL")
        URI ledger;

        @Option(names = "--submitter-key", required = true, description = "Submitter secret key the ledger accepts")
        Path submitterKey;

        @Option(
                names = "--release-key",
                required = true,
                description = "Release secret key (see 'ledger keygen'); clients name its vkey with --release-vkey")
        Path releaseKey;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Firmware firmware;

        static final class Firmware {
            @Option(names = "--ovmf", description = "The AmdSev OVMF the host boots the image with")
            Path ovmf;

            @Option(
                    names = "--launch-inputs",
                    description = "A launch description (JSON, 'cvm measure --write-launch-inputs') of this image")
            Path launchInputs;
        }

        @Option(
                names = "--vcpus",
                split = ",",
                description = "vCPU counts to measure, one SEV-SNP digest each (default: the launch description's, "
                        + "or 1)")
        List<Integer> vcpus = new ArrayList<>();

        @Option(
                names = "--vcpu-type",
                defaultValue = "EPYC-v4",
                description = "With --ovmf (default: ${DEFAULT-VALUE})")
        String vcpuType;

        @Option(
                names = "--guest-features",
                defaultValue = "0x1",
                description = "With --ovmf (default: ${DEFAULT-VALUE})")
        String guestFeatures;

        @Option(names = "--vmm", defaultValue = "qemu", description = "qemu | ec2 | gce (default: ${DEFAULT-VALUE})")
        String vmm;

        @Option(
                names = "--tdx",
                description = "Also publish TDX RTMR1 (the kernel's Authenticode digest as QEMU patches it) and RTMR2 "
                        + "(command line and initrd), computed from the image (implied by --tdx-platform)")
        boolean tdx;

        @Option(
                names = "--tdx-memory",
                defaultValue = "4G",
                description = "The TD's memory (QEMU -m; bytes or a K/M/G/T suffix), where QEMU puts the initrd: RTMR1 "
                        + "holds for every size from 2.75G on and for exactly 2G (default: ${DEFAULT-VALUE})")
        String tdxMemory;

        @ArgGroup(exclusive = false, multiplicity = "0..*")
        List<TdxPlatformOptions> tdxPlatforms = new ArrayList<>();

        /** One host platform's TDX registers: {@code --tdx-platform NAME (--tdvf F | --tdx-mrtd HEX) --tdx-rtmr0 HEX}. */
        static final class TdxPlatformOptions {
            @Option(
                    names = "--tdx-platform",
                    required = true,
                    description = "A TDX host platform the release runs on (its name, e.g. 'gcp c3-standard-4'); "
                            + "repeat the group per platform")
            String name;

            @ArgGroup(exclusive = true, multiplicity = "1")
            Mrtd mrtd;

            @Option(
                    names = "--tdx-firmware",
                    description = "The TDVF build its MRTD is of (default with --tdvf: the file's name and SHA-256)")
            String firmware;

            @Option(
                    names = "--tdvf-page-order",
                    description = "How the platform's QEMU adds TDVF pages: single-pass (QEMU 9 and later, the "
                            + "default) or two-pass (QEMU 8)")
            String pageOrder;

            @Option(
                    names = "--tdx-rtmr0",
                    required = true,
                    description = "RTMR0 on that platform (96 hex: firmware configuration, TD-HOB, ACPI tables)")
            String rtmr0;
        }

        static final class Mrtd {
            @Option(names = "--tdvf", description = "The platform's TDVF (OVMF) build: MRTD is computed from it")
            Path tdvf;

            @Option(names = "--tdx-mrtd", description = "The platform's MRTD (96 hex), with --tdx-firmware")
            String hex;
        }

        @Option(
                names = "--gpus",
                defaultValue = "0",
                description = "How many confidential GPUs the release runs on, 0 to 8 (gpu_count: clients require "
                        + "exactly as many distinct GPUs; default: ${DEFAULT-VALUE}); with 1 or more, name each GPU "
                        + "model's RIMs with --gpu-model")
        int gpus;

        @ArgGroup(exclusive = false, multiplicity = "0..*")
        List<GpuRimOptions> gpuRims = new ArrayList<>();

        /**
         * One GPU model's reference values: {@code --gpu-model NAME --driver-rim FILE --vbios-rim FILE
         * [--vbios-rim FILE ...]}.
         */
        static final class GpuRimOptions {
            @Option(
                    names = "--gpu-model",
                    required = true,
                    description = "A GPU model (architecture, e.g. HOPPER) the release runs on; repeat the group per "
                            + "model")
            String model;

            @Option(
                    names = "--driver-rim",
                    required = true,
                    paramLabel = "FILE",
                    description = "The NVIDIA driver RIM (signed .swidtag) its measurements must match")
            Path driverRim;

            @Option(
                    names = "--vbios-rim",
                    required = true,
                    paramLabel = "FILE",
                    description = "An NVIDIA VBIOS RIM (signed .swidtag) of this model; repeat it for each VBIOS "
                            + "version the fleet runs: a GPU's VBIOS measurements must match one of them")
            List<Path> vbiosRims = new ArrayList<>();
        }

        @Option(names = "--name", description = "Release name (default: cloister-enclave and the commit)")
        String name;

        @Option(names = "--source-revision", description = "Source revision (default: build-info.json's commit)")
        String sourceRevision;

        @Option(names = "--not-before", description = "Start of validity (default: now)")
        Instant notBefore;

        @Option(
                names = "--valid-for",
                defaultValue = "P90D",
                description = "Length of the validity window (default: ${DEFAULT-VALUE})")
        Duration validFor;

        @Option(
                names = "--max-vmpl",
                defaultValue = "0",
                description = "Highest VMPL an SEV-SNP report may come from, 0-3 (default: ${DEFAULT-VALUE})")
        int maxVmpl;

        @Option(names = "--smt-allowed", description = "Let clients accept SEV-SNP hosts that run SMT")
        boolean smtAllowed;

        @Option(names = "--proof-out", description = "Where to write the release's .tlog-proof (for 'cloister keys')")
        Path proofOut;

        @Option(names = "--entry-out", description = "Where to write the signed release entry")
        Path entryOut;

        @Override
        public Integer call() throws Exception {
            Arguments.webUrl("--ledger", ledger);
            Ed25519NoteSigner submitter = Arguments.logSigner("--submitter-key", submitterKey);
            Ed25519NoteSigner signer = Arguments.logSigner("--release-key", releaseKey);
            if (signer.verifier().verifierKey().equals(submitter.verifier().verifierKey())) {
                throw new UsageException(
                        "--release-key", "is the submitter key: a release key must be held apart from the operator's");
            }
            if (validFor.isNegative() || validFor.isZero()) {
                throw new UsageException("--valid-for " + validFor, "must be positive");
            }
            for (int n : vcpus) {
                if (n < 1 || n > SnpShape.MAX_VCPUS) throw new UsageException("--vcpus " + n, "must be 1 to 512");
            }
            VmmType vmmType;
            ReleaseImage.Firmware source;
            Optional<Long> memory;
            try {
                vmmType = VmmType.parse(vmm);
                source = firmware.ovmf != null
                        ? new ReleaseImage.Firmware.Ovmf(
                                firmware.ovmf, Optional.of(VcpuType.parse(vcpuType)), features(guestFeatures))
                        : new ReleaseImage.Firmware.Described(firmware.launchInputs);
                memory = tdx || !tdxPlatforms.isEmpty() ? Optional.of(memorySize(tdxMemory)) : Optional.empty();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--vmm / --vcpu-type / --guest-features / --tdx-memory", e.getMessage());
            }
            ReleaseImage measured;
            List<TdxPlatform> platforms = new ArrayList<>();
            try {
                measured = ReleaseImage.measure(image, source, vcpus, vmmType, memory);
                for (TdxPlatformOptions p : tdxPlatforms) {
                    platforms.add(platform(p));
                }
            } catch (MeasurementException | IOException e) {
                spec.commandLine().getErr().println("cloister release publish: " + e.getMessage());
                return 1;
            }
            Path buildInfo = image.resolve("build-info.json");
            if (!Files.isRegularFile(buildInfo)) {
                throw new UsageException(
                        "--image " + image, "has no build-info.json (is it a cvm-boot/build.sh output?)");
            }
            String commit = new JsonObject(Files.readString(buildInfo)).getString("commit");
            String revision = sourceRevision != null ? sourceRevision : commit;
            if (revision == null) {
                throw new UsageException("--source-revision", "build-info.json names no commit: give one");
            }
            Instant from = (notBefore != null ? notBefore : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
            List<GpuReferenceValue> gpuReferenceValues;
            try {
                gpuReferenceValues = gpuReferenceValues(from);
            } catch (AttestationException e) {
                spec.commandLine().getErr().println("cloister release publish: " + e.getMessage());
                return 1;
            }
            SignedRelease release;
            try {
                ReleaseManifest manifest = new ReleaseManifest(
                        name != null
                                ? name
                                : "cloister-enclave " + revision.substring(0, Math.min(12, revision.length())),
                        from,
                        from.plus(validFor).truncatedTo(ChronoUnit.SECONDS),
                        maxVmpl,
                        smtAllowed,
                        measured.shapes(),
                        measured.tdx(),
                        platforms.stream()
                                .sorted(java.util.Comparator.comparing(
                                        (TdxPlatform p) -> p.platform().getBytes(StandardCharsets.UTF_8),
                                        java.util.Arrays::compareUnsigned))
                                .toList(),
                        gpuReferenceValues,
                        gpus,
                        measured.images(),
                        Bytes.of(measured.launchDescription().getBytes(StandardCharsets.UTF_8)),
                        revision,
                        new Digest(Digest.Algorithm.SHA_256, Bytes.of(ReleaseImage.digest("SHA-256", buildInfo))));
                release = SignedRelease.sign(manifest, signer);
            } catch (IllegalArgumentException e) {
                throw new UsageException("the release", e.getMessage());
            }
            byte[] entry = release.encode();
            if (entryOut != null) Files.write(entryOut, entry);
            LedgerPublisher.Published published = submit(ledger, submitter, entry, proofOut);
            PrintWriter out = spec.commandLine().getOut();
            out.println("release '" + release.manifest().release() + "' logged at index " + published.index());
            out.println(
                    "release digest: " + release.digest().value().hex() + " (what 'cloister release revoke' names)");
            out.println("valid " + release.manifest().notBefore() + " .. "
                    + release.manifest().notAfter() + ", max VMPL " + maxVmpl + ", SMT "
                    + (smtAllowed ? "allowed" : "forbidden"));
            for (SnpShape s : release.manifest().snpShapes()) {
                out.println("sev-snp " + s.vcpus() + " vCPU" + (s.vcpus() == 1 ? "" : "s") + ", guest features 0x"
                        + Long.toHexString(s.guestFeatures()) + ": "
                        + s.launchDigest().hex());
            }
            release.manifest().tdx().ifPresent(t -> {
                out.println("tdx rtmr1: " + t.rtmr1().hex());
                out.println("tdx rtmr2: " + t.rtmr2().hex());
            });
            for (TdxPlatform p : release.manifest().tdxPlatforms()) {
                out.println("tdx platform '" + p.platform() + "' (" + p.firmware() + "): mrtd "
                        + p.mrtd().hex() + ", rtmr0 " + p.rtmr0().hex());
            }
            if (release.manifest().gpuCount() > 0) {
                out.println("gpus: " + release.manifest().gpuCount());
            }
            for (GpuReferenceValue g : release.manifest().gpus()) {
                out.println("gpu model '" + g.model() + "': driver RIM sha384 "
                        + g.driverRim().value().hex() + ", VBIOS RIM sha384 "
                        + g.vbiosRim().value().hex());
            }
            out.flush();
            return 0;
        }

        /**
         * The GPU reference values of {@code --gpu-model}: per model and VBIOS RIM, the SHA-384 digests of the model's
         * driver RIM and that VBIOS RIM, each RIM verified as NVIDIA-signed at the start of the release's validity
         * ({@code from}); in {@link GpuReferenceValue#ORDER} (model, then VBIOS RIM).
         * A release on GPUs must name them (its GPUs would otherwise be appraised against no reference values).
         */
        private List<GpuReferenceValue> gpuReferenceValues(Instant from) throws IOException, AttestationException {
            if (gpus < 0 || gpus > ReleaseManifest.MAX_GPU_COUNT) {
                throw new UsageException("--gpus " + gpus, "must be 0 to " + ReleaseManifest.MAX_GPU_COUNT);
            }
            if (gpus > 0 && gpuRims.isEmpty()) {
                throw new UsageException(
                        "--gpus " + gpus,
                        "needs the GPUs' reference values: --gpu-model NAME --driver-rim FILE --vbios-rim FILE");
            }
            if (gpus == 0 && !gpuRims.isEmpty()) {
                throw new UsageException("--gpu-model", "needs --gpus N (how many GPUs the release runs on)");
            }
            List<GpuReferenceValue> values = new ArrayList<>();
            java.util.Set<String> models = new java.util.HashSet<>();
            for (GpuRimOptions g : gpuRims) {
                if (!models.add(g.model)) {
                    throw new UsageException(
                            "--gpu-model " + g.model,
                            "is named twice (one group per model: its driver RIM, and --vbios-rim repeated for "
                                    + "each VBIOS version)");
                }
                Digest driver = rimDigest(from, "--driver-rim", g.driverRim);
                java.util.Set<Digest> vbiosOfModel = new java.util.HashSet<>();
                for (Path file : g.vbiosRims) {
                    // Each VBIOS RIM verifies as NVIDIA-signed on its own.
                    Digest vbios = rimDigest(from, "--vbios-rim", file);
                    if (!vbiosOfModel.add(vbios)) {
                        throw new UsageException(
                                "--vbios-rim " + file, "names a VBIOS RIM of model " + g.model + " a second time");
                    }
                    try {
                        values.add(new GpuReferenceValue(g.model, driver, vbios));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--gpu-model " + g.model, e.getMessage());
                    }
                }
            }
            values.sort(GpuReferenceValue.ORDER);
            return values;
        }

        /** The SHA-384 of a RIM file that verifies as a signed NVIDIA RIM at {@code at}. */
        private static Digest rimDigest(Instant at, String option, Path file) throws IOException, AttestationException {
            byte[] xml = ReleaseImage.readBounded(file, NvidiaRim.MAX_RIM_BYTES);
            try {
                NvidiaRim.verify(at, xml);
            } catch (AttestationException e) {
                throw e.whileDoing("reading " + option + " " + file);
            }
            try {
                return new Digest(
                        Digest.Algorithm.SHA_384,
                        Bytes.of(java.security.MessageDigest.getInstance("SHA-384")
                                .digest(xml)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** One platform's MRTD (from its TDVF, or as given) and RTMR0. */
        private static TdxPlatform platform(TdxPlatformOptions p) throws IOException, MeasurementException {
            byte[] rtmr0 = Arguments.hex("--tdx-rtmr0", p.rtmr0, 48);
            TdvfImage.PageAddOrder order = switch (p.pageOrder == null ? "single-pass" : p.pageOrder) {
                case "single-pass" -> TdvfImage.PageAddOrder.SINGLE_PASS;
                case "two-pass" -> TdvfImage.PageAddOrder.TWO_PASS;
                default ->
                    throw new UsageException("--tdvf-page-order " + p.pageOrder, "must be single-pass or two-pass");
            };
            byte[] mrtd;
            String firmware = p.firmware;
            if (p.mrtd.tdvf != null) {
                mrtd = TdvfImage.parse(ReleaseImage.readBounded(p.mrtd.tdvf, TdvfImage.MAX_SIZE))
                        .mrtd(order);
                if (firmware == null) {
                    firmware = p.mrtd.tdvf.getFileName() + " (SHA-256 "
                            + HexFormat.of().formatHex(ReleaseImage.digest("SHA-256", p.mrtd.tdvf)) + ")";
                }
            } else {
                mrtd = Arguments.hex("--tdx-mrtd", p.mrtd.hex, 48);
                if (firmware == null) {
                    throw new UsageException(
                            "--tdx-mrtd for platform '" + p.name + "'",
                            "needs --tdx-firmware (the TDVF build it is of)");
                }
            }
            try {
                return new TdxPlatform(p.name, firmware, Bytes.of(mrtd), Bytes.of(rtmr0));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--tdx-platform " + p.name, e.getMessage());
            }
        }

        /** QEMU's {@code -m} size: bytes, or a number with a binary K, M, G or T suffix. */
        static long memorySize(String text) {
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("([0-9]{1,15})([KMGT]?)").matcher(text.toUpperCase(Locale.ROOT));
            if (!m.matches()) {
                throw new IllegalArgumentException("--tdx-memory \"" + text + "\" is not a size like 4G or 2048M");
            }
            int shift = switch (m.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                case "T" -> 40;
                default -> 0;
            };
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("--tdx-memory " + text + " is too large");
            }
            return n << shift;
        }

        private static long features(String text) {
            String f = text.toLowerCase(Locale.ROOT);
            if (!f.matches("0x[0-9a-f]{1,16}")) {
                throw new IllegalArgumentException("\"" + text + "\" is not a hex value like 0x1");
            }
            return Long.parseUnsignedLong(f.substring(2), 16);
        }
    }

    /** {@code cloister release revoke}: logs a {@link ReleaseRevocation} for a release logged earlier. */
    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Log the revocation of a release: clients refuse it once their verified log view holds it.")
    static final class Revoke implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--ledger", required = true, description = "Ledger base URL")
        URI ledger;

        @Option(names = "--submitter-key", required = true, description = "Submitter secret key the ledger accepts")
        Path submitterKey;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        static final class Which {
            @Option(names = "--release-entry", description = "The signed release entry ('release publish --entry-out')")
            Path entry;

            @Option(names = "--release-digest", description = "The release digest 'release publish' printed (64 hex)")
            String digest;
        }

        @Option(names = "--reason", required = true, description = "Why (shown to clients that refuse the release)")
        String reason;

        @Option(
                names = "--proof-out",
                description = "Where to write the revocation's .tlog-proof (for 'cloister keys')")
        Path proofOut;

        @Override
        public Integer call() throws Exception {
            Arguments.webUrl("--ledger", ledger);
            Ed25519NoteSigner submitter = Arguments.logSigner("--submitter-key", submitterKey);
            Digest release;
            if (which.entry != null) {
                try {
                    if (!(LedgerEntry.decode(ReleaseImage.readBounded(which.entry, 65535))
                            instanceof SignedRelease signed)) {
                        throw new UsageException(
                                "--release-entry " + which.entry, "is not a signed release (0x10 or 0x12)");
                    }
                    release = signed.digest();
                } catch (FormatException e) {
                    throw new UsageException("--release-entry " + which.entry, e.getMessage());
                }
            } else {
                release = new Digest(
                        Digest.Algorithm.SHA_256,
                        Bytes.of(Arguments.hex("--release-digest", which.digest.toLowerCase(Locale.ROOT), 32)));
            }
            ReleaseRevocation revocation;
            try {
                revocation = new ReleaseRevocation(release, reason);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--reason", e.getMessage());
            }
            LedgerPublisher.Published published = submit(ledger, submitter, revocation.encode(), proofOut);
            spec.commandLine()
                    .getOut()
                    .println("revocation of release "
                            + HexFormat.of().formatHex(release.value().toByteArray()) + " logged at index "
                            + published.index());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
