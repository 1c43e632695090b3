package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.measure.LaunchDescriptionJson;
import dev.cloister.attest.measure.QemuDirectBootKernel;
import dev.cloister.attest.measure.Rtmr;
import dev.cloister.attest.measure.TdvfImage;
import dev.cloister.attest.measure.VmmType;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.RaTlsVerifier;
import dev.cloister.attest.ratls.SimulatedMultiGpuSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.client.keys.KeyConsistencyException;
import dev.cloister.client.keys.LedgerView;
import dev.cloister.client.keys.ReleaseTransparency;
import dev.cloister.client.keys.ReleaseTrust;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.LedgerEntry;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.KeyFiles;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.HttpTileSource;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.ledgerserver.LedgerVerticle;
import dev.cloister.ledgerserver.WitnessVerticle;
import dev.cloister.server.ListenAddress;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cloister release publish} and {@code revoke} against a ledger and a witness on loopback: the measurements come
 * from the image (sev-snp-measure's vector), the release key signs them, the client accepts the release, then refuses
 * it once the revocation is logged.
 */
class ReleaseCommandTest {

    private static final String ORIGIN = "ledger.cloister.example/release-command";

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private Vertx vertx;
    private Ed25519NoteSigner logKey;
    private Cosigner witness;
    private String ledger;
    private Path submitterKey;
    private Path releaseKeyFile;
    private Ed25519NoteSigner releaseKey;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        logKey = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        Ed25519NoteSigner submitter = Ed25519NoteSigner.generate("operator", random);
        releaseKey = Ed25519NoteSigner.generate("release.cloister.example", random);
        witness = new Cosigner("witness.example", Ed25519PrivateKey.generate(random));
        WitnessVerticle w = new WitnessVerticle(
                new ListenAddress("127.0.0.1", 0),
                new Witness(
                        witness,
                        List.of(new LogIdentity(ORIGIN, logKey.verifier())),
                        new DirectoryCheckpointStore(dir.resolve("witness"))),
                Clock.systemUTC());
        vertx.deployVerticle(w).await(10, TimeUnit.SECONDS);
        LogStorage storage = LogStorage.open(dir.resolve("log"));
        LedgerVerticle l = new LedgerVerticle(
                new ListenAddress("127.0.0.1", 0),
                Sequencer.open(storage, ORIGIN, logKey),
                storage,
                List.of(submitter.verifier()),
                List.of(new LedgerVerticle.WitnessEndpoint(
                        URI.create("http://127.0.0.1:" + w.actualPort()), witness.verifier())),
                Duration.ofMillis(50),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx.deployVerticle(l).await(10, TimeUnit.SECONDS);
        ledger = "http://127.0.0.1:" + l.actualPort();
        submitterKey = dir.resolve("operator.key");
        KeyFiles.writeSecret(submitterKey, submitter.encodeSecret());
        releaseKeyFile = dir.resolve("release.key");
        KeyFiles.writeSecret(releaseKeyFile, releaseKey.encodeSecret());
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path vector(String name) {
        return Path.of(System.getProperty("cloister.vectors")).resolve("cvm-measure/sev-snp-measure/" + name);
    }

    /** An image as cvm-boot/build.sh lays it out, with sev-snp-measure's default test inputs (empty kernel, initrd). */
    private Path image(String name, byte[] kernel) throws Exception {
        Path image = Files.createDirectories(dir.resolve(name));
        Files.write(image.resolve("vmlinuz"), kernel);
        Files.write(image.resolve("initrd.cpio.gz"), new byte[0]);
        Files.writeString(image.resolve("cmdline"), "console=ttyS0 loglevel=7");
        Files.writeString(
                image.resolve("build-info.json"), "{\"commit\": \"0123456789abcdef0123456789abcdef01234567\"}");
        return image;
    }

    private List<String> publish(Path image, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "release",
                "publish",
                "--image",
                image.toString(),
                "--ledger",
                ledger,
                "--submitter-key",
                submitterKey.toString(),
                "--release-key",
                releaseKeyFile.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private Run runPublish(Path image, String... more) {
        return run(publish(image, more).toArray(String[]::new));
    }

    private ReleaseTransparency client() {
        TileReader tiles = new TileReader(new HttpTileSource(URI.create(ledger), Duration.ofSeconds(10)));
        return new ReleaseTransparency(
                LedgerView.inMemory(
                        new LogIdentity(ORIGIN, logKey.verifier()),
                        WitnessPolicy.quorum(1, List.of(witness.verifier()), Duration.ofMinutes(10)),
                        tiles),
                new ReleaseTrust(List.of(releaseKey.verifier().verifierKey()), Duration.ZERO));
    }

    @Test
    void publishesTheImagesMeasurementsSignedAndRevokesThem() throws Exception {
        Path image = image("image", new byte[0]);
        Path entry = dir.resolve("release.entry");
        Path proof = dir.resolve("release.proof");
        Run published = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--vcpus",
                "1",
                "--vcpu-type",
                "EPYC-v4",
                "--guest-features",
                "0x21",
                "--entry-out",
                entry.toString(),
                "--proof-out",
                proof.toString());
        assertEquals(0, published.code(), published.err() + published.out());
        assertTrue(
                published.out().contains("sev-snp 1 vCPU, guest features 0x21: " + CvmMeasureCommandTest.SNP_DEFAULT),
                published.out());

        SignedRelease release = (SignedRelease) LedgerEntry.decode(Files.readAllBytes(entry));
        assertTrue(
                release.verifiedBy(List.of(releaseKey.verifier().verifierKey().publicKey()))
                        .isPresent());
        assertEquals(
                CvmMeasureCommandTest.SNP_DEFAULT,
                release.manifest().snpShapes().getFirst().launchDigest().hex());
        assertEquals(0, release.manifest().maxVmpl());
        assertEquals(
                List.of("build-info.json", "cmdline", "initrd.cpio.gz", "vmlinuz"),
                release.manifest().images().stream()
                        .map(dev.cloister.ledger.entry.ImageDigest::name)
                        .toList());
        // An auditor recomputes the digest from the launch description the release carries.
        assertEquals(
                CvmMeasureCommandTest.SNP_DEFAULT,
                java.util.HexFormat.of()
                        .formatHex(LaunchDescriptionJson.parse(release.manifest()
                                        .launchDescriptionText()
                                        .getBytes(StandardCharsets.UTF_8))
                                .snpLaunchDigest(VmmType.QEMU)));

        TlogProof releaseProof = TlogProof.parse(Files.readAllBytes(proof));
        List<ReleaseTransparency.PublishedRelease> accepted =
                client().check(new KeyProofs(List.of(releaseProof)), Instant.now());
        assertEquals(release, accepted.getFirst().release());

        // The same image from its launch description, for two VM shapes.
        Path description =
                Files.writeString(dir.resolve("launch.json"), release.manifest().launchDescriptionText());
        Run shapes = runPublish(image, "--launch-inputs", description.toString(), "--vcpus", "4,1");
        assertEquals(0, shapes.code(), shapes.err() + shapes.out());
        assertTrue(shapes.out().contains("sev-snp 1 vCPU, guest features 0x21: " + CvmMeasureCommandTest.SNP_DEFAULT));
        assertTrue(shapes.out().contains("sev-snp 4 vCPUs, guest features 0x21: "), shapes.out());

        Path revocationProof = dir.resolve("revocation.proof");
        Run revoked = run(
                "release",
                "revoke",
                "--ledger",
                ledger,
                "--submitter-key",
                submitterKey.toString(),
                "--release-entry",
                entry.toString(),
                "--reason",
                "guest kernel CVE-2026-0001",
                "--proof-out",
                revocationProof.toString());
        assertEquals(0, revoked.code(), revoked.err() + revoked.out());
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> client().check(
                                new KeyProofs(
                                        List.of(releaseProof, TlogProof.parse(Files.readAllBytes(revocationProof)))),
                                Instant.now()));
        assertTrue(e.getMessage().contains("revoked by the ledger: guest kernel CVE-2026-0001"), e.getMessage());
    }

    @Test
    void aLaunchDescriptionOfAnotherImageIsRefusedWithBothValues() throws Exception {
        Path image = image("image", new byte[0]);
        Path description = dir.resolve("launch.json");
        Run measured = run(
                "cvm",
                "measure",
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--kernel",
                image.resolve("vmlinuz").toString(),
                "--initrd",
                image.resolve("initrd.cpio.gz").toString(),
                "--cmdline",
                "console=ttyS0 loglevel=7",
                "--vcpus",
                "1",
                "--vcpu-type",
                "EPYC-v4",
                "--guest-features",
                "0x21",
                "--write-launch-inputs",
                description.toString());
        assertEquals(0, measured.code(), measured.err());
        Path other = image("other", new byte[] {1});
        Run refused = runPublish(other, "--launch-inputs", description.toString());
        assertEquals(1, refused.code(), refused.out());
        assertTrue(refused.err().contains("kernel_hash e3b0c442"), refused.err());
        assertTrue(refused.err().contains("is not the image's vmlinuz 4bf5122f"), refused.err());
    }

    /** A one-section TDVF (TDX Virtual Firmware Design Guide, section 11): 8 KiB, measured page by page. */
    static byte[] syntheticTdvf() {
        int size = 2 * 4096;
        byte[] fw = new byte[size];
        new java.util.Random(11).nextBytes(fw);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(fw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int descriptor = size - 512;
        b.put(descriptor, "TDVF".getBytes(StandardCharsets.US_ASCII));
        b.putInt(descriptor + 4, 16 + 32).putInt(descriptor + 8, 1).putInt(descriptor + 12, 1);
        b.putInt(descriptor + 16, 0).putInt(descriptor + 20, size).putLong(descriptor + 24, 0x1_0000_0000L - size);
        b.putLong(descriptor + 32, size).putInt(descriptor + 40, 0).putInt(descriptor + 44, 1);
        int footer = size - 32 - 18;
        b.putShort(footer, (short) 40);
        // OVMF's footer table GUID 96b582de-1fb2-45f7-baea-a366c55a082d, then the TDX metadata entry's
        // e47a6535-984a-4798-865e-4685a7bf8ec2, in EFI GUID byte order.
        b.put(footer + 2, java.util.HexFormat.of().parseHex("de82b596b21ff745baeaa366c55a082d"));
        int entry = footer - 18;
        b.putShort(entry, (short) 22);
        b.put(entry + 2, java.util.HexFormat.of().parseHex("35657ae44a98984786 5e4685a7bf8ec2".replace(" ", "")));
        b.putInt(entry - 4, size - descriptor);
        return fw;
    }

    @Test
    void publishesTdxRegistersPerPlatformAsReleaseFormatV3() throws Exception {
        byte[] kernel = Files.readAllBytes(CvmMeasureCommandTest.bzImage());
        Path image = image("tdx-image", kernel);
        byte[] initrd = {7, 7, 7};
        Files.write(image.resolve("initrd.cpio.gz"), initrd);
        Path tdvf = Files.write(dir.resolve("OVMF.tdx.fd"), syntheticTdvf());
        Path entry = dir.resolve("tdx.entry");
        Path proof = dir.resolve("tdx.proof");
        Run published = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--vcpus",
                "1",
                "--entry-out",
                entry.toString(),
                "--proof-out",
                proof.toString(),
                "--tdx-memory",
                "2G",
                "--tdx-platform",
                "gcp c3-standard-4",
                "--tdx-mrtd",
                "ab".repeat(48),
                "--tdx-firmware",
                "gce tdx-ovmf 2025-01",
                "--tdx-rtmr0",
                "cd".repeat(48),
                "--tdx-platform",
                "azure DCesv5",
                "--tdvf",
                tdvf.toString(),
                "--tdx-rtmr0",
                "ef".repeat(48));
        assertEquals(0, published.code(), published.err() + published.out());
        byte[] wire = Files.readAllBytes(entry);
        assertEquals(SignedRelease.TYPE_V3, wire[3]);
        SignedRelease release = (SignedRelease) LedgerEntry.decode(wire);
        assertTrue(
                release.verifiedBy(List.of(releaseKey.verifier().verifierKey().publicKey()))
                        .isPresent());
        var platforms = release.manifest().tdxPlatforms();
        assertEquals(
                List.of("azure DCesv5", "gcp c3-standard-4"),
                platforms.stream()
                        .map(dev.cloister.ledger.entry.TdxPlatform::platform)
                        .toList());
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(TdvfImage.parse(syntheticTdvf()).mrtd(TdvfImage.PageAddOrder.SINGLE_PASS)),
                platforms.get(0).mrtd().hex());
        assertTrue(
                platforms.get(0).firmware().startsWith("OVMF.tdx.fd (SHA-256 "),
                platforms.get(0).firmware());
        assertEquals("ef".repeat(48), platforms.get(0).rtmr0().hex());
        assertEquals("ab".repeat(48), platforms.get(1).mrtd().hex());
        assertEquals("gce tdx-ovmf 2025-01", platforms.get(1).firmware());
        assertEquals("cd".repeat(48), platforms.get(1).rtmr0().hex());
        // RTMR1 and RTMR2 come from the image itself: the kernel as QEMU patches it for 2 GiB, the load options OVMF
        // passes (the command line and "initrd=initrd"), the initrd.
        var tdx = release.manifest().tdx().orElseThrow();
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(Rtmr.directBootRtmr1(QemuDirectBootKernel.authenticodeSha384(
                                kernel, "console=ttyS0 loglevel=7", initrd.length, 2L << 30))),
                tdx.rtmr1().hex());
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(Rtmr.directBootRtmr2(
                                "console=ttyS0 loglevel=7 initrd=initrd",
                                java.security.MessageDigest.getInstance("SHA-384")
                                        .digest(initrd))),
                tdx.rtmr2().hex());
        assertTrue(published.out().contains("tdx platform 'azure DCesv5'"), published.out());

        List<ReleaseTransparency.PublishedRelease> accepted =
                client().check(new KeyProofs(List.of(TlogProof.parse(Files.readAllBytes(proof)))), Instant.now());
        assertEquals(2, accepted.getFirst().tdxReferenceValues().size());
    }

    @Test
    void tdxPlatformOptionsAreChecked() throws Exception {
        Path image = image("tdx-bad", Files.readAllBytes(CvmMeasureCommandTest.bzImage()));
        Run noFirmware = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--tdx-platform",
                "p",
                "--tdx-mrtd",
                "ab".repeat(48),
                "--tdx-rtmr0",
                "cd".repeat(48));
        assertTrue(noFirmware.code() != 0, noFirmware.out());
        assertTrue(noFirmware.err().contains("needs --tdx-firmware"), noFirmware.err());
        Run shortRtmr0 = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--tdx-platform",
                "p",
                "--tdx-mrtd",
                "ab".repeat(48),
                "--tdx-firmware",
                "f",
                "--tdx-rtmr0",
                "cd".repeat(47));
        assertTrue(shortRtmr0.code() != 0, shortRtmr0.out());
        assertTrue(shortRtmr0.err().contains("--tdx-rtmr0"), shortRtmr0.err());
        Run badTdvf = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--tdx-platform",
                "p",
                "--tdvf",
                Files.write(dir.resolve("not-a-tdvf"), new byte[8192]).toString(),
                "--tdx-rtmr0",
                "cd".repeat(48));
        assertEquals(1, badTdvf.code(), badTdvf.out());
        assertTrue(badTdvf.err().contains("TDVF"), badTdvf.err());
        Run noRtmr0 = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--tdx-platform",
                "p",
                "--tdx-mrtd",
                "ab".repeat(48),
                "--tdx-firmware",
                "f");
        assertTrue(noRtmr0.code() != 0, noRtmr0.out());
        assertTrue(noRtmr0.err().contains("--tdx-rtmr0"), noRtmr0.err());
        Run smallMemory = runPublish(
                image, "--ovmf", vector("ovmf_AmdSev_suffix.bin").toString(), "--tdx", "--tdx-memory", "64M");
        assertEquals(1, smallMemory.code(), smallMemory.out());
        assertTrue(smallMemory.err().contains("guest memory of 67108864 bytes"), smallMemory.err());
    }

    private static Path nvtrust(String name) {
        return Path.of(System.getProperty("cloister.vectors")).resolve("nvidia-gpu/nvtrust/" + name);
    }

    /** When nvtrust's test RIMs verify (their signer chain is valid then). */
    private static final String RIM_TIME = "2024-06-01T00:00:00Z";

    private Run publishOnGpus(Path image, String gpus, Path entry, Path proof) {
        return runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--vcpus",
                "1",
                "--not-before",
                RIM_TIME,
                "--valid-for",
                "P3650D",
                "--gpus",
                gpus,
                "--gpu-model",
                "HOPPER",
                "--driver-rim",
                nvtrust("Driver_RIM_test_no_gpu.swidtag").toString(),
                "--vbios-rim",
                nvtrust("1010_0200_882_96005E0001_test_no_gpu.swidtag").toString(),
                "--entry-out",
                entry.toString(),
                "--proof-out",
                proof.toString());
    }

    @Test
    void publishesAReleaseOnTwoGpusThatAClientAppraisesAnEnclaveAgainst() throws Exception {
        Path image = image("gpu-image", new byte[0]);
        Path entry = dir.resolve("gpu.entry");
        Path proof = dir.resolve("gpu.proof");
        Run published = publishOnGpus(image, "2", entry, proof);
        assertEquals(0, published.code(), published.err() + published.out());
        assertTrue(published.out().contains("gpus: 2"), published.out());
        byte[] wire = Files.readAllBytes(entry);
        assertEquals(SignedRelease.TYPE_V3, wire[3]);
        SignedRelease release = (SignedRelease) LedgerEntry.decode(wire);
        assertEquals(2, release.manifest().gpuCount());
        var hopper = release.manifest().gpus().getFirst();
        assertEquals("HOPPER", hopper.model());
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-384")
                                .digest(Files.readAllBytes(nvtrust("Driver_RIM_test_no_gpu.swidtag")))),
                hopper.driverRim().value().hex());
        assertTrue(published.out().contains("gpu model 'HOPPER': driver RIM sha384 "), published.out());

        // The client's default GPU policy takes the count and the RIMs from the release it accepted.
        List<ReleaseTransparency.PublishedRelease> accepted =
                client().check(new KeyProofs(List.of(TlogProof.parse(Files.readAllBytes(proof)))), Instant.now());
        byte[] measurement =
                release.manifest().snpShapes().getFirst().launchDigest().toByteArray();
        Path sim = dir.resolve("sim");
        SimulatedSevSnpPlatform cpu = SimulatedSevSnpPlatform.openOrCreate(sim.resolve("cpu"), Instant.now(), random);
        List<SimulatedNvidiaGpu> gpus = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gpus.add(SimulatedNvidiaGpu.openOrCreate(sim.resolve("gpu-" + i), Instant.now(), random));
        }
        RaTlsPolicy.RequireGpu fromLedger = new RaTlsPolicy.RequireGpu(
                NvidiaGpuPolicy.genuineNvidia()
                        .withTrustedRoots(
                                gpus.stream().map(SimulatedNvidiaGpu::root).toList()),
                Duration.ofMinutes(5),
                new RaTlsPolicy.FromLedger());
        RaTlsPolicy.RequireGpu applied =
                (RaTlsPolicy.RequireGpu) ReleaseTransparency.applyPublishedRims(fromLedger, accepted);
        RaTlsPolicy policy = RaTlsPolicy.acceptingReleases(cpu.insecurePolicy(), List.of(measurement), applied);

        // Two GPUs, as the release says: the count passes and the release's RIMs are required next (simulated GPUs
        // staple none: NVIDIA signs RIMs, so no simulated GPU can match one).
        RaTlsException noRims =
                assertThrows(RaTlsException.class, () -> appraise(cpu, gpus.subList(0, 2), measurement, policy));
        assertTrue(noRims.getMessage().contains("the certificate staples none (gpu-rims)"), noRims.getMessage());
        // With the simulated GPUs' own measurement check in place of the RIMs, the two-GPU enclave is accepted.
        RaTlsPolicy policyRims =
                policy.withGpu(((RaTlsPolicy.RequireGpu) policy.gpu()).withRims(new RaTlsPolicy.PolicyRims()));
        assertEquals(
                2,
                appraise(cpu, gpus.subList(0, 2), measurement, policyRims)
                        .gpus()
                        .size());
        // Three GPUs, or one, where the release says two: refused before any GPU is appraised.
        for (int n : new int[] {3, 1}) {
            RaTlsException wrongCount = assertThrows(
                    RaTlsException.class, () -> appraise(cpu, gpus.subList(0, n), measurement, policyRims));
            assertTrue(
                    wrongCount
                            .getMessage()
                            .contains("evidence of " + n + " GPU(s), the policy requires exactly 2 (the release's GPU"),
                    wrongCount.getMessage());
        }
    }

    /** What an RA-TLS client with {@code policy} concludes of an enclave on {@code gpus}, for one handshake. */
    private RaTlsAttestation appraise(
            SimulatedSevSnpPlatform cpu, List<SimulatedNvidiaGpu> gpus, byte[] measurement, RaTlsPolicy policy)
            throws Exception {
        try (EnclaveIdentity enclave = EnclaveIdentity.generate(
                SimulatedMultiGpuSource.onSevSnp(cpu, gpus, measurement, Clock.systemUTC(), random),
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                Duration.ofSeconds(10),
                Clock.systemUTC(),
                random)) {
            byte[] clientRandom = new byte[32];
            random.nextBytes(clientRandom);
            byte[] der =
                    enclave.forServerHandshake(clientRandom).certificate().der().toByteArray();
            return new RaTlsVerifier(AttestationVerifier.create())
                    .verify(Instant.now(), RaTlsVerifier.PeerRole.SERVER, clientRandom, der, policy);
        }
    }

    /** Publishes a release on two HOPPER GPUs with the test driver RIM and these VBIOS RIMs (repeated --vbios-rim). */
    private Run publishWithVbiosRims(Path image, Path entry, Path proof, Path... vbios) {
        List<String> args = new ArrayList<>(List.of(
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--vcpus",
                "1",
                "--not-before",
                RIM_TIME,
                "--valid-for",
                "P3650D",
                "--gpus",
                "2",
                "--gpu-model",
                "HOPPER",
                "--driver-rim",
                nvtrust("Driver_RIM_test_no_gpu.swidtag").toString()));
        for (Path v : vbios) {
            args.add("--vbios-rim");
            args.add(v.toString());
        }
        args.addAll(List.of("--entry-out", entry.toString(), "--proof-out", proof.toString()));
        return runPublish(image, args.toArray(String[]::new));
    }

    private static String sha384(Path file) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-384").digest(Files.readAllBytes(file)));
    }

    @Test
    void aModelMayNameSeveralVbiosRimsAndTheClientTakesThemAllForThatModel() throws Exception {
        Path vbiosA = nvtrust("1010_0200_882_96005E0001_test_no_gpu.swidtag");
        Path vbiosB = nvtrust("rims/1010_0200_882_96005E0003_PROD.swidtag");
        Path entry = dir.resolve("vbios.entry");
        Path proof = dir.resolve("vbios.proof");
        Run published = publishWithVbiosRims(image("vbios-image", new byte[0]), entry, proof, vbiosA, vbiosB);
        assertEquals(0, published.code(), published.err() + published.out());
        SignedRelease release = (SignedRelease) LedgerEntry.decode(Files.readAllBytes(entry));
        var gpus = release.manifest().gpus();
        assertEquals(2, gpus.size(), gpus::toString);
        String driver = sha384(nvtrust("Driver_RIM_test_no_gpu.swidtag"));
        assertTrue(gpus.stream()
                .allMatch(g -> g.model().equals("HOPPER")
                        && g.driverRim().value().hex().equals(driver)));
        assertEquals(
                java.util.Set.of(sha384(vbiosA), sha384(vbiosB)),
                gpus.stream().map(g -> g.vbiosRim().value().hex()).collect(java.util.stream.Collectors.toSet()));
        // The client's policy: one model, its driver RIM, both VBIOS RIMs (a GPU may match either).
        List<ReleaseTransparency.PublishedRelease> accepted =
                client().check(new KeyProofs(List.of(TlogProof.parse(Files.readAllBytes(proof)))), Instant.now());
        RaTlsPolicy.RequireGpu applied = (RaTlsPolicy.RequireGpu) ReleaseTransparency.applyPublishedRims(
                new RaTlsPolicy.RequireGpu(
                        NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5), new RaTlsPolicy.FromLedger()),
                accepted);
        List<RaTlsPolicy.ModelRimDigests> models = ((RaTlsPolicy.PublishedRims) applied.rims())
                .byLaunch()
                .values()
                .iterator()
                .next();
        assertEquals(1, models.size(), models::toString);
        assertEquals("HOPPER", models.getFirst().model());
        assertEquals(driver, models.getFirst().driverRim().hex());
        assertEquals(
                java.util.Set.of(sha384(vbiosA), sha384(vbiosB)),
                models.getFirst().vbiosRims().stream()
                        .map(dev.cloister.base.Bytes::hex)
                        .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void eachVbiosRimMustBeNvidiaSignedAndNamedOnce() throws Exception {
        Path vbiosA = nvtrust("1010_0200_882_96005E0001_test_no_gpu.swidtag");
        Path image = image("vbios-bad", new byte[0]);
        // The second --vbios-rim is not a signed RIM (the attestation report): refused, named.
        Run notARim = publishWithVbiosRims(
                image, dir.resolve("e1"), dir.resolve("p1"), vbiosA, nvtrust("hopperAttestationReport.txt"));
        assertEquals(1, notARim.code(), notARim.out());
        assertTrue(notARim.err().contains("--vbios-rim"), notARim.err());
        assertTrue(notARim.err().contains("hopperAttestationReport.txt"), notARim.err());
        // A signed RIM whose signature no longer verifies (one byte of its golden values changed).
        String xml = Files.readString(nvtrust("rims/1010_0200_882_96005E0003_PROD.swidtag"));
        int at = xml.indexOf("Hash0=\"") + 7;
        char c = xml.charAt(at);
        Path tampered = Files.writeString(
                dir.resolve("tampered.swidtag"), xml.substring(0, at) + (c == 'a' ? 'b' : 'a') + xml.substring(at + 1));
        Run forged = publishWithVbiosRims(image, dir.resolve("e2"), dir.resolve("p2"), vbiosA, tampered);
        assertEquals(1, forged.code(), forged.out());
        assertTrue(forged.err().contains("tampered.swidtag"), forged.err());
        // The same VBIOS RIM twice for one model: refused, named.
        Run twice = publishWithVbiosRims(image, dir.resolve("e3"), dir.resolve("p3"), vbiosA, vbiosA);
        assertTrue(twice.code() != 0, twice.out());
        assertTrue(twice.err().contains("a second time"), twice.err());
    }

    @Test
    void aReleaseOnGpusIsRefusedWithoutRimsOrOverEightGpus() throws Exception {
        Path image = image("gpu-bad", new byte[0]);
        Run noRims =
                runPublish(image, "--ovmf", vector("ovmf_AmdSev_suffix.bin").toString(), "--gpus", "2");
        assertTrue(noRims.code() != 0, noRims.out());
        assertTrue(noRims.err().contains("--gpus 2: needs the GPUs' reference values"), noRims.err());
        Run nine = publishOnGpus(image, "9", dir.resolve("e"), dir.resolve("p"));
        assertTrue(nine.code() != 0, nine.out());
        assertTrue(nine.err().contains("--gpus 9: must be 0 to 8"), nine.err());
        Run rimsWithoutGpus = publishOnGpus(image, "0", dir.resolve("e"), dir.resolve("p"));
        assertTrue(rimsWithoutGpus.code() != 0, rimsWithoutGpus.out());
        assertTrue(rimsWithoutGpus.err().contains("needs --gpus N"), rimsWithoutGpus.err());
        // A file that is not a signed NVIDIA RIM (here: the attestation report) is refused, named.
        Run notARim = runPublish(
                image,
                "--ovmf",
                vector("ovmf_AmdSev_suffix.bin").toString(),
                "--not-before",
                RIM_TIME,
                "--gpus",
                "1",
                "--gpu-model",
                "HOPPER",
                "--driver-rim",
                nvtrust("hopperCertChain.txt").toString(),
                "--vbios-rim",
                nvtrust("1010_0200_882_96005E0001_test_no_gpu.swidtag").toString());
        assertEquals(1, notARim.code(), notARim.out());
        assertTrue(notARim.err().contains("--driver-rim"), notARim.err());
        assertTrue(notARim.err().contains("hopperCertChain.txt"), notARim.err());
    }
}
