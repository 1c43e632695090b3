package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static dev.cloister.attest.ratls.RaTlsFixture.filled;
import static dev.cloister.attest.ratls.RaTlsFixture.pump;
import static dev.cloister.attest.ratls.RaTlsNegativeTest.forging;
import static dev.cloister.attest.ratls.RaTlsNegativeTest.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.policy.TdxReleaseReferenceValues;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxQuote;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.TdxPlatform;
import dev.cloister.ledger.entry.TdxRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RA-TLS over TDX: an enclave on the simulated TDX platform whose quote binds the TLS key as the SEV-SNP path does,
 * accepted only by a policy that allows TDX, with Intel-format collateral, a TCB status and the MRTD and RTMR0..2 of
 * an accepted release; and one refusal per check.
 */
class RaTlsTdxTest {

    static final byte[] MRTD = filled(48, 0x71);
    static final byte[] RTMR0 = filled(48, 0x70);
    static final byte[] RTMR1 = filled(48, 0x11);
    static final byte[] RTMR2 = filled(48, 0x22);
    static final byte[] RTMR3 = new byte[48];
    static final SimulatedTdxPlatform.TdRegisters REGISTERS =
            new SimulatedTdxPlatform.TdRegisters(MRTD, List.of(RTMR0, RTMR1, RTMR2, RTMR3));

    static SimulatedTdxPlatform tdx;
    static SimulatedEvidenceSource source;
    static EnclaveIdentity enclave;

    @BeforeAll
    static void start() {
        try {
            tdx = SimulatedTdxPlatform.openOrCreate(Path.of("target", "ratls-sim"), Instant.now(), RANDOM);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        source = new SimulatedEvidenceSource(
                tdx,
                REGISTERS,
                Optional.of(RaTlsFixture.gpu()),
                Duration.ZERO,
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                RANDOM);
        enclave = RaTlsFixture.perHandshake(source);
    }

    @AfterAll
    static void stop() {
        enclave.close();
    }

    /** The release values of one TDX platform, with {@code mrtd}, RTMR0, RTMR1 and RTMR2 as given. */
    static TdxReleaseReferenceValues release(byte[] mrtd, byte[] rtmr0, byte[] rtmr1, byte[] rtmr2) {
        return new TdxReleaseReferenceValues(
                "cloister-enclave 0.3.0",
                new TdxPlatform("simulated TDX host", "simulated TDVF", Bytes.of(mrtd), Bytes.of(rtmr0)),
                new TdxRuntime(Bytes.of(rtmr1), Bytes.of(rtmr2)));
    }

    static TdxPolicy base() {
        return tdx.insecurePolicy().withTcb(TdxPolicy.TcbStatusIn.upToDate());
    }

    static RaTlsPolicy tdxPolicy(TdxReleaseReferenceValues... releases) {
        return RaTlsPolicy.acceptingTdxReleases(
                new RaTlsPolicy.TdxReleases(base(), List.of(releases)),
                RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
    }

    static RaTlsPolicy accepted() {
        return tdxPolicy(release(MRTD, RTMR0, RTMR1, RTMR2));
    }

    @Test
    void aTdxEnclaveIsAttestedAndDataFlows() throws Exception {
        RaTlsConnection c = RaTlsFixture.client(accepted()).connect();
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        pump(c, s);
        assertTrue(c.isHandshakeComplete());
        RaTlsAttestation peer = c.peer().orElseThrow();
        TdxClaims claims = assertInstanceOf(TdxClaims.class, peer.cpu().claims());
        assertArrayEquals(MRTD, claims.quote().mrTd());
        assertEquals(TcbStatus.UP_TO_DATE, claims.tcbLevel().orElseThrow().status());
        assertFalse(peer.gpus().isEmpty(), "the GPU evidence the quote commits to is verified too");
        c.send("hello".getBytes());
        pump(c, s);
        assertArrayEquals("hello".getBytes(), s.takeReceived());
    }

    @Test
    void eitherPlatformPolicyAcceptsTdx() throws Exception {
        RaTlsPolicy either = RaTlsFixture.policy()
                .withPlatforms(new RaTlsPolicy.SevSnpOrTdx(
                        new RaTlsPolicy.TdxReleases(base(), List.of(release(MRTD, RTMR0, RTMR1, RTMR2)))));
        RaTlsConnection c = RaTlsFixture.client(either).connect();
        pump(c, RaTlsFixture.server(enclave).accept());
        assertTrue(c.isHandshakeComplete());
        // And the SEV-SNP enclave still passes under it.
        EnclaveIdentity snp = RaTlsFixture.identity(new AttestationMode.PerHandshake());
        try {
            RaTlsConnection c2 = RaTlsFixture.client(either).connect();
            pump(c2, RaTlsFixture.server(snp).accept());
            assertTrue(c2.isHandshakeComplete());
        } finally {
            snp.close();
        }
    }

    @Test
    void wrongMrtd() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(tdxPolicy(release(filled(48, 1), RTMR0, RTMR1, RTMR2))),
                enclave,
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("MRTD"), x.getMessage());
    }

    @Test
    void wrongRtmr0() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(tdxPolicy(release(MRTD, filled(48, 1), RTMR1, RTMR2))),
                enclave,
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("RTMR0"), x.getMessage());
    }

    @Test
    void wrongRtmr1() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(tdxPolicy(release(MRTD, RTMR0, filled(48, 1), RTMR2))),
                enclave,
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("RTMR1"), x.getMessage());
    }

    @Test
    void wrongRtmr2() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(tdxPolicy(release(MRTD, RTMR0, RTMR1, filled(48, 1)))),
                enclave,
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("RTMR2"), x.getMessage());
    }

    @Test
    void reportDataNotBindingTheKey() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(accepted()),
                forging(r -> enclave.credential(enclave.single(gpu -> HandshakeBinding.server(r, filled(44, 9), gpu)))),
                RaTlsException.Reason.BINDING_MISMATCH);
        assertTrue(x.getMessage().contains("REPORTDATA"), x.getMessage());
    }

    /** The enclave's evidence for {@code r} with its CPU entries replaced. */
    static RaTlsEvidence withCpu(byte[] r, EvidenceBundle.Entry quote, EvidenceBundle.Entry collateral)
            throws Exception {
        RaTlsEvidence e = enclave.forServerHandshake(r).certificate().evidence();
        EvidenceBundle b = e.bundle();
        return new RaTlsEvidence(
                new EvidenceBundle(
                        quote,
                        collateral,
                        b.gpu(),
                        b.gpuEndorsements(),
                        b.ledgerProofs(),
                        b.gpuRims(),
                        b.cpuCrl(),
                        b.gpuOcsp(),
                        b.additionalGpus()),
                e.gpuFreshness(),
                e.batch());
    }

    @Test
    void debugTd() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(accepted()),
                forging(r -> {
                    RaTlsEvidence genuine =
                            enclave.forServerHandshake(r).certificate().evidence();
                    byte[] reportData = TdxQuote.parse(
                                    genuine.bundle().cpu().value().toByteArray())
                            .reportData();
                    byte[] debug =
                            tdx.quote(reportData, MRTD, REGISTERS.rtmrs(), true).quote();
                    return enclave.credential(withCpu(
                            r,
                            new EvidenceBundle.Entry(EvidenceBundle.TDX_QUOTE, Bytes.of(debug)),
                            genuine.bundle().cpuEndorsements()));
                }),
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("DEBUG"), x.getMessage());
    }

    @Test
    void tcbStatusNotAccepted() throws Exception {
        RaTlsException x = refusedWithCollateral(tdx.collateral(Instant.now(), TcbStatus.OUT_OF_DATE, false));
        assertTrue(x.getMessage().contains("TCB status"), x.getMessage());
    }

    @Test
    void revokedPckCertificate() throws Exception {
        RaTlsException x = refusedWithCollateral(tdx.collateral(Instant.now(), TcbStatus.UP_TO_DATE, true));
        assertTrue(x.getMessage().contains("revoked"), x.getMessage());
    }

    @Test
    void collateralOlderThanAWeekIsRefusedThoughStillCurrent() throws Exception {
        // Issued ten days ago, nextUpdate twenty days ahead: current by Intel's dates, but a stale copy could hide a
        // PCK revocation or a TCB recovery published since.
        RaTlsException x = refusedWithCollateral(
                tdx.collateral(Instant.now().minus(Duration.ofDays(9)), TcbStatus.UP_TO_DATE, false));
        assertTrue(x.getMessage().contains("largest collateral age"), x.getMessage());
    }

    @Test
    void quoteFromAnUntrustedRoot() throws Exception {
        RaTlsPolicy realIntelOnly = RaTlsPolicy.acceptingTdxReleases(
                new RaTlsPolicy.TdxReleases(
                        TdxPolicy.genuineIntel().withTcb(TdxPolicy.TcbStatusIn.upToDate()),
                        List.of(release(MRTD, RTMR0, RTMR1, RTMR2))),
                RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
        RaTlsException x =
                refused(RaTlsFixture.client(realIntelOnly), enclave, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("PCK"), x.getMessage());
    }

    @Test
    void aTdxQuoteWhenThePolicyAllowsOnlySevSnp() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(RaTlsFixture.policy()), enclave, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("SEV-SNP reports only"), x.getMessage());
    }

    @Test
    void anSevSnpReportWhenThePolicyAllowsOnlyTdx() throws Exception {
        EnclaveIdentity snp = RaTlsFixture.identity(new AttestationMode.PerHandshake());
        try {
            RaTlsException x =
                    refused(RaTlsFixture.client(accepted()), snp, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("TDX quotes only"), x.getMessage());
        } finally {
            snp.close();
        }
    }

    /** Another release on the same TDX platform (same MRTD and RTMR0: the firmware), with its own RTMR1 and RTMR2. */
    static final TdxReleaseReferenceValues OTHER = release(MRTD, RTMR0, filled(48, 0x12), filled(48, 0x23));

    /** A TD of {@link #REGISTERS} (the release {@code accepted()} names) on {@code gpus}, stapling {@code rims}. */
    static EnclaveIdentity tdWithGpus(List<SimulatedNvidiaGpu> gpus, Optional<EvidenceBundle.Entry> rims) {
        SimulatedEvidenceSource cpuOnly = new SimulatedEvidenceSource(
                tdx, REGISTERS, Optional.empty(), Duration.ZERO, Duration.ofMinutes(1), Clock.systemUTC(), RANDOM);
        return EnclaveIdentity.generate(
                new SimulatedMultiGpuSource(cpuOnly, gpus, i -> i, Clock.systemUTC(), rims),
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
    }

    /**
     * What a client derives from a ledger holding the TD's release and {@link #OTHER}: both releases accepted, and
     * the GPU count and RIMs keyed by each release's launch ({@link RaTlsPolicy.TdxLaunch}).
     */
    static RaTlsPolicy fromLedger(
            RaTlsPolicy.GpuCount count, RaTlsPolicy.RimRequirement rims, SimulatedNvidiaGpu... roots) {
        NvidiaGpuPolicy gpu = NvidiaGpuPolicy.genuineNvidia()
                .withTrustedRoots(java.util.Arrays.stream(roots)
                        .map(SimulatedNvidiaGpu::root)
                        .toList());
        return RaTlsPolicy.acceptingTdxReleases(
                new RaTlsPolicy.TdxReleases(base(), List.of(release(MRTD, RTMR0, RTMR1, RTMR2), OTHER)),
                new RaTlsPolicy.RequireGpu(gpu, Duration.ofMinutes(5), rims, count));
    }

    static final RaTlsPolicy.TdxLaunch THIS_LAUNCH = RaTlsPolicy.TdxLaunch.of(release(MRTD, RTMR0, RTMR1, RTMR2));
    static final RaTlsPolicy.TdxLaunch OTHER_LAUNCH = RaTlsPolicy.TdxLaunch.of(OTHER);

    static SimulatedNvidiaGpu second() throws IOException {
        return SimulatedNvidiaGpu.openOrCreate(Path.of("target", "ratls-sim-gpu-2"), Instant.now(), RANDOM);
    }

    @Test
    void aTdWithTwoGpusIsAcceptedWithTheGpuCountOfTheReleaseItsRegistersMatched() throws Exception {
        SimulatedNvidiaGpu first = RaTlsFixture.gpu();
        SimulatedNvidiaGpu second = second();
        try (EnclaveIdentity td = tdWithGpus(List.of(first, second), Optional.empty())) {
            RaTlsPolicy policy = fromLedger(
                    new RaTlsPolicy.ByRelease(java.util.Map.of(THIS_LAUNCH, 2, OTHER_LAUNCH, 1)),
                    new RaTlsPolicy.PolicyRims(),
                    first,
                    second);
            RaTlsConnection c = RaTlsFixture.client(policy).connect();
            RaTlsConnection s = RaTlsFixture.server(td).accept();
            pump(c, s);
            assertTrue(c.isHandshakeComplete());
            RaTlsAttestation peer = c.peer().orElseThrow();
            assertInstanceOf(TdxClaims.class, peer.cpu().claims());
            assertEquals(2, peer.gpus().size());
        }
    }

    @Test
    void aTdWithAnotherGpuCountThanItsReleaseSaysIsRefused() throws Exception {
        SimulatedNvidiaGpu first = RaTlsFixture.gpu();
        SimulatedNvidiaGpu second = second();
        try (EnclaveIdentity td = tdWithGpus(List.of(first, second), Optional.empty())) {
            // Its release runs on one GPU; the other release (same MRTD and RTMR0) on two: its count is not applied.
            RaTlsPolicy policy = fromLedger(
                    new RaTlsPolicy.ByRelease(java.util.Map.of(THIS_LAUNCH, 1, OTHER_LAUNCH, 2)),
                    new RaTlsPolicy.PolicyRims(),
                    first,
                    second);
            RaTlsException x = refused(RaTlsFixture.client(policy), td, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    x.getMessage().contains("2 GPU(s), the policy requires exactly 1 (the release's GPU count)"),
                    x.getMessage());
            // Only the other release has a count: none for this TD's launch.
            RaTlsException none = refused(
                    RaTlsFixture.client(fromLedger(
                            new RaTlsPolicy.ByRelease(java.util.Map.of(OTHER_LAUNCH, 2)),
                            new RaTlsPolicy.PolicyRims(),
                            first,
                            second)),
                    td,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    none.getMessage().contains("no logged release gives the GPU count of the measured launch (TDX"),
                    none.getMessage());
        }
    }

    @Test
    void anSevSnpReleasesGpuCountIsNeverAppliedToATdNorATdxReleasesToAnSevSnpGuest() throws Exception {
        SimulatedNvidiaGpu first = RaTlsFixture.gpu();
        SimulatedNvidiaGpu second = second();
        // An SEV-SNP release whose launch digest equals the TD's MRTD: a count keyed by it is not the TD's.
        try (EnclaveIdentity td = tdWithGpus(List.of(first, second), Optional.empty())) {
            RaTlsException x = refused(
                    RaTlsFixture.client(fromLedger(
                            RaTlsPolicy.ByRelease.ofSevSnp(java.util.Map.of(Bytes.of(MRTD), 2)),
                            new RaTlsPolicy.PolicyRims(),
                            first,
                            second)),
                    td,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("no logged release gives the GPU count"), x.getMessage());
        }
        // An SEV-SNP guest of launch digest RELEASE, and a TDX release whose registers all equal that digest.
        try (EnclaveIdentity snp = EnclaveIdentity.generate(
                new SimulatedMultiGpuSource(List.of(first, second)),
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            Bytes digest = Bytes.of(RaTlsFixture.RELEASE);
            RaTlsPolicy base = RaTlsMultiGpuTest.policy(1, first, second);
            RaTlsPolicy tdxCount = base.withGpu(((RaTlsPolicy.RequireGpu) base.gpu())
                    .withGpus(new RaTlsPolicy.ByRelease(
                            java.util.Map.of(new RaTlsPolicy.TdxLaunch(digest, digest, digest, digest), 2))));
            RaTlsException x = refused(RaTlsFixture.client(tdxCount), snp, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    x.getMessage().contains("no logged release gives the GPU count of the measured launch (SEV-SNP"),
                    x.getMessage());
        }
    }

    @Test
    void aStapledRimOnlyAnotherTdxReleaseNamesIsRefused() throws Exception {
        byte[] rim = dev.cloister.testing.Vectors.read(
                dev.cloister.testing.Vectors.file("nvidia-gpu/nvtrust/rims/1010_0200_882_96005E0001_PROD.swidtag"));
        Bytes rimDigest =
                Bytes.of(java.security.MessageDigest.getInstance("SHA-384").digest(rim));
        SimulatedNvidiaGpu first = RaTlsFixture.gpu();
        SimulatedNvidiaGpu second = second();
        RaTlsPolicy.ByRelease counts = new RaTlsPolicy.ByRelease(java.util.Map.of(THIS_LAUNCH, 2, OTHER_LAUNCH, 2));
        try (EnclaveIdentity td =
                tdWithGpus(List.of(first, second), Optional.of(EvidenceBundle.rims(List.of(rim, rim))))) {
            // The other release (same platform, other RTMR1/RTMR2) names the RIM; the TD's own release names another.
            RaTlsPolicy otherNames = fromLedger(
                    counts,
                    new RaTlsPolicy.PublishedRims(java.util.Map.of(
                            THIS_LAUNCH,
                            List.of(RaTlsNegativeTest.model(new byte[48], new byte[48])),
                            OTHER_LAUNCH,
                            List.of(RaTlsNegativeTest.model(rimDigest.toByteArray(), rimDigest.toByteArray())))),
                    first,
                    second);
            RaTlsException x = refused(RaTlsFixture.client(otherNames), td, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    x.getMessage()
                            .contains("not named by the release of the measured launch (TDX launch MRTD "
                                    + Bytes.of(MRTD).hex()),
                    x.getMessage());
            assertTrue(x.getMessage().contains("only by another logged release"), x.getMessage());
            // RIMs keyed by an SEV-SNP launch digest equal to the TD's MRTD are not the TD's release's either.
            RaTlsException snpKeyed = refused(
                    RaTlsFixture.client(fromLedger(
                            counts,
                            RaTlsPolicy.PublishedRims.ofSevSnp(java.util.Map.of(
                                    Bytes.of(MRTD),
                                    List.of(RaTlsNegativeTest.model(
                                            rimDigest.toByteArray(), rimDigest.toByteArray())))),
                            first,
                            second)),
                    td,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    snpKeyed.getMessage().contains("no logged release of the measured launch names GPU reference"),
                    snpKeyed.getMessage());
            // Its own release naming the RIM: the digest check passes and the RIM itself is appraised (this genuine
            // RIM is for another VBIOS than the simulated GPU's, so the appraisal, not the lookup, refuses it).
            RaTlsException own = refused(
                    RaTlsFixture.client(fromLedger(
                            counts,
                            new RaTlsPolicy.PublishedRims(java.util.Map.of(
                                    THIS_LAUNCH,
                                    List.of(RaTlsNegativeTest.model(
                                            rimDigest.toByteArray(), rimDigest.toByteArray())))),
                            first,
                            second)),
                    td,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertFalse(own.getMessage().contains("not named by"), own.getMessage());
            assertFalse(own.getMessage().contains("no logged release"), own.getMessage());
        }
    }

    @Test
    void aTdxPolicyNamesReleasesAndRequiresATcbStatus() {
        assertThrows(IllegalArgumentException.class, () -> new RaTlsPolicy.TdxReleases(base(), List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RaTlsPolicy.TdxReleases(tdx.insecurePolicy(), List.of(release(MRTD, RTMR0, RTMR1, RTMR2))));
    }

    /**
     * The policy a verifier with {@code platforms} ({@code --cpu-platform}) builds when the releases name
     * {@link RaTlsFixture#RELEASE} (SEV-SNP) and this TD's registers (TDX).
     */
    static RaTlsPolicy choosing(AcceptedCpuPlatforms platforms) {
        return platforms.policy(
                RaTlsFixture.simulatedCpu(),
                List.of(RaTlsFixture.RELEASE),
                List.of(release(MRTD, RTMR0, RTMR1, RTMR2)),
                RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
    }

    @Test
    void anSevSnpOnlyChoiceRefusesATdThoughAReleaseNamesItsRegisters() throws Exception {
        RaTlsPolicy p = choosing(new AcceptedCpuPlatforms.SevSnp());
        assertInstanceOf(RaTlsPolicy.SevSnpOnly.class, p.platforms());
        RaTlsException x = refused(RaTlsFixture.client(p), enclave, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("SEV-SNP reports only"), x.getMessage());
    }

    @Test
    void aTdxOnlyChoiceRefusesAnSevSnpEnclaveThoughAReleaseNamesItsMeasurement() throws Exception {
        RaTlsPolicy p = choosing(new AcceptedCpuPlatforms.Tdx(base()));
        assertInstanceOf(RaTlsPolicy.TdxOnly.class, p.platforms());
        assertTrue(RaTlsFixture.completes(p, enclave));
        try (EnclaveIdentity snp = RaTlsFixture.identity(new AttestationMode.PerHandshake())) {
            RaTlsException x = refused(RaTlsFixture.client(p), snp, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("TDX quotes only"), x.getMessage());
        }
    }

    @Test
    void anyChoiceAcceptsATdAndAnSevSnpEnclave() throws Exception {
        RaTlsPolicy p = choosing(new AcceptedCpuPlatforms.SevSnpOrTdx(base()));
        assertInstanceOf(RaTlsPolicy.SevSnpOrTdx.class, p.platforms());
        assertTrue(RaTlsFixture.completes(p, enclave));
        try (EnclaveIdentity snp = RaTlsFixture.identity(new AttestationMode.PerHandshake())) {
            assertTrue(RaTlsFixture.completes(p, snp));
        }
    }

    @Test
    void anAcceptedPlatformNoReleaseNamesIsDroppedAndNoneLeftIsRefused() {
        AcceptedCpuPlatforms any = new AcceptedCpuPlatforms.SevSnpOrTdx(base());
        RaTlsPolicy.GpuRequirement gpu = RaTlsFixture.simulatedGpu(Duration.ofMinutes(5));
        List<TdxReleaseReferenceValues> td = List.of(release(MRTD, RTMR0, RTMR1, RTMR2));
        List<byte[]> snp = List.of(RaTlsFixture.RELEASE);
        assertInstanceOf(
                RaTlsPolicy.SevSnpOnly.class,
                any.policy(RaTlsFixture.simulatedCpu(), snp, List.of(), gpu).platforms());
        assertInstanceOf(
                RaTlsPolicy.TdxOnly.class,
                any.policy(RaTlsFixture.simulatedCpu(), List.of(), td, gpu).platforms());
        assertThrows(
                IllegalArgumentException.class,
                () -> any.policy(RaTlsFixture.simulatedCpu(), List.of(), List.of(), gpu));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AcceptedCpuPlatforms.SevSnp().policy(RaTlsFixture.simulatedCpu(), List.of(), td, gpu));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AcceptedCpuPlatforms.Tdx(base()).policy(RaTlsFixture.simulatedCpu(), snp, List.of(), gpu));
    }

    @Test
    void aChoiceIsNamedOnceAndItsTdxPolicyRequiresATcbStatus() {
        assertEquals(Optional.of(AcceptedCpuPlatforms.Choice.TDX), AcceptedCpuPlatforms.Choice.named("tdx"));
        assertEquals(Optional.empty(), AcceptedCpuPlatforms.Choice.named("sgx"));
        for (AcceptedCpuPlatforms.Choice c : AcceptedCpuPlatforms.Choice.values()) {
            assertEquals(c, c.with(Optional.of(base())).choice());
            assertEquals(c, AcceptedCpuPlatforms.Choice.named(c.toString()).orElseThrow());
        }
        assertInstanceOf(AcceptedCpuPlatforms.SevSnp.class, AcceptedCpuPlatforms.Choice.SEV_SNP.with(Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> AcceptedCpuPlatforms.Choice.TDX.with(Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> AcceptedCpuPlatforms.Choice.ANY.with(Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new AcceptedCpuPlatforms.Tdx(tdx.insecurePolicy()));
        assertThrows(IllegalArgumentException.class, () -> new AcceptedCpuPlatforms.SevSnpOrTdx(tdx.insecurePolicy()));
    }

    /** The genuine quote stapled with {@code collateral} instead of its own: refused as CPU evidence. */
    private static RaTlsException refusedWithCollateral(TdxCollateral collateral) throws Exception {
        return refused(
                RaTlsFixture.client(accepted()),
                forging(r -> {
                    RaTlsEvidence genuine =
                            enclave.forServerHandshake(r).certificate().evidence();
                    return enclave.credential(
                            withCpu(r, genuine.bundle().cpu(), EvidenceBundle.tdxCollateral(collateral.parts())));
                }),
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
    }
}
