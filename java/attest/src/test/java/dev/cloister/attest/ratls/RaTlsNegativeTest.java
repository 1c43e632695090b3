package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static dev.cloister.attest.ratls.RaTlsFixture.RELEASE;
import static dev.cloister.attest.ratls.RaTlsFixture.pump;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.ledger.merkle.InclusionProof;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way an RA-TLS handshake must be refused, each with its reason, on both sides where both can tell. */
class RaTlsNegativeTest {

    static SimulatedEvidenceSource source;
    static EnclaveIdentity enclave;
    static EnclaveIdentity other;

    @BeforeAll
    static void start() {
        source = RaTlsFixture.source(Clock.systemUTC());
        enclave = RaTlsFixture.perHandshake(source);
        other = RaTlsFixture.identity(new AttestationMode.PerHandshake());
    }

    @AfterAll
    static void stop() {
        enclave.close();
        other.close();
    }

    /** A server that answers every handshake with {@code forge(clientRandom)}. */
    interface Forgery {
        CertificateIssuer.Credential forge(byte[] clientRandom) throws Exception;
    }

    static CertificateIssuer forging(Forgery f) {
        return new CertificateIssuer() {
            @Override
            public Credential forServerHandshake(byte[] clientRandom) throws RaTlsException {
                try {
                    return f.forge(clientRandom);
                } catch (RaTlsException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public Credential forClientHandshake(byte[] serverRandom) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** Runs one handshake; the client must refuse with {@code reason}, and the server must learn bad_certificate. */
    static RaTlsException refused(RaTlsClient client, CertificateIssuer server, RaTlsException.Reason reason)
            throws RaTlsException {
        RaTlsConnection c = client.connect();
        RaTlsConnection s = RaTlsFixture.server(server).accept();
        RaTlsException x = assertThrows(RaTlsException.class, () -> pump(c, s));
        assertEquals(reason, x.reason(), x.getMessage());
        assertFalse(c.isHandshakeComplete());
        assertTrue(c.peer().isEmpty());
        RaTlsException told = assertThrows(RaTlsException.class, () -> s.receive(c.takeOutgoing()));
        assertEquals(RaTlsException.Reason.PEER_ALERT, told.reason());
        assertTrue(told.getMessage().contains("bad_certificate"), told.getMessage());
        assertFalse(s.isHandshakeComplete());
        return x;
    }

    static byte[] random32() {
        byte[] r = new byte[32];
        RANDOM.nextBytes(r);
        return r;
    }

    @Test
    void evidenceForAnotherKey() throws Exception {
        refused(
                RaTlsFixture.client(RaTlsFixture.policy()),
                forging(r -> enclave.credential(
                        other.forServerHandshake(r).certificate().evidence())),
                RaTlsException.Reason.BINDING_MISMATCH);
    }

    @Test
    void evidenceForAnotherClientRandom() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(RaTlsFixture.policy()),
                forging(r -> enclave.credential(
                        enclave.forServerHandshake(random32()).certificate().evidence())),
                RaTlsException.Reason.BINDING_MISMATCH);
        assertTrue(x.getMessage().contains("REPORT_DATA"), x.getMessage());
    }

    @Test
    void replayedCertificate() throws Exception {
        AtomicReference<CertificateIssuer.Credential> recorded = new AtomicReference<>();
        CertificateIssuer replaying = forging(r -> recorded.get() != null
                ? recorded.get()
                : recorded.updateAndGet(old -> {
                    try {
                        return enclave.forServerHandshake(r);
                    } catch (RaTlsException e) {
                        throw new IllegalStateException(e);
                    }
                }));
        RaTlsClient client = RaTlsFixture.client(RaTlsFixture.policy());
        RaTlsConnection c = client.connect();
        RaTlsConnection s = RaTlsFixture.server(replaying).accept();
        pump(c, s);
        assertTrue(c.isHandshakeComplete(), "the first use of the certificate is genuine");
        refused(client, replaying, RaTlsException.Reason.BINDING_MISMATCH);
    }

    @Test
    void staleGpuEvidenceDigest() throws Exception {
        byte[] before =
                source.currentGpuEvidence().orElseThrow().report().value().toByteArray();
        source.refreshGpu(Clock.systemUTC().instant());
        // The CPU report commits to the previous GPU evidence while the bundle carries the current one.
        refused(
                RaTlsFixture.client(RaTlsFixture.policy()),
                forging(r ->
                        enclave.credential(enclave.single(gpu -> HandshakeBinding.server(r, enclave.spki(), before)))),
                RaTlsException.Reason.BINDING_MISMATCH);
    }

    @Test
    void gpuEvidenceOlderThanThePolicyAllows() throws Exception {
        RaTlsPolicy oneMinute = RaTlsPolicy.acceptingReleases(
                RaTlsFixture.simulatedCpu(), List.of(RELEASE), RaTlsFixture.simulatedGpu(Duration.ofMinutes(1)));
        source.refreshGpu(Clock.systemUTC().instant());
        RaTlsException x = refused(
                RaTlsFixture.client(oneMinute, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2))),
                enclave,
                RaTlsException.Reason.GPU_EVIDENCE_STALE);
        assertTrue(x.getMessage().contains("older than PT1M"), x.getMessage());
    }

    @Test
    void gpuRefreshTimeAlteredInTheCertificate() throws Exception {
        refused(
                RaTlsFixture.client(RaTlsFixture.policy()),
                forging(r -> {
                    RaTlsEvidence e =
                            enclave.forServerHandshake(r).certificate().evidence();
                    GpuFreshness f = e.gpuFreshness().orElseThrow();
                    return enclave.credential(new RaTlsEvidence(
                            e.bundle(),
                            Optional.of(new GpuFreshness(f.refreshedAt().plusMillis(30_000), f.salt())),
                            e.batch()));
                }),
                RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
    }

    @Test
    void reportFromAnUntrustedRoot() throws Exception {
        RaTlsPolicy realAmdOnly = RaTlsPolicy.acceptingReleases(
                SevSnpPolicy.genuineAmd(), List.of(RELEASE), RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
        RaTlsException x =
                refused(RaTlsFixture.client(realAmdOnly), enclave, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("ARK"), x.getMessage());
    }

    @Test
    void gpuReportFromAnUntrustedRoot() throws Exception {
        RaTlsPolicy realNvidiaOnly = RaTlsFixture.policy()
                .withGpu(new RaTlsPolicy.RequireGpu(
                        dev.cloister.attest.nvgpu.NvidiaGpuPolicy.genuineNvidia(), Duration.ofMinutes(5)));
        refused(RaTlsFixture.client(realNvidiaOnly), enclave, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
    }

    @Test
    void measurementNotInTheReferenceValues() throws Exception {
        RaTlsPolicy otherRelease = RaTlsPolicy.acceptingReleases(
                RaTlsFixture.simulatedCpu(),
                List.of(RaTlsFixture.OTHER_RELEASE),
                RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
        RaTlsException x =
                refused(RaTlsFixture.client(otherRelease), enclave, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("MEASUREMENT"), x.getMessage());
    }

    @Test
    void gpuEvidenceMarkedConfidentialComputingOffIsRefused() throws Exception {
        // What `cloister enclave --gpu nvml --insecure-gpu-cc-off` serves: a GPU entry that says CC is off.
        SimulatedEvidenceSource cpuOnly = new SimulatedEvidenceSource(
                RaTlsFixture.cpu(),
                Optional.empty(),
                RaTlsFixture.RELEASE,
                Duration.ZERO,
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
        EvidenceSource ccOff = new EvidenceSource() {
            @Override
            public Optional<GpuEvidence> currentGpuEvidence() {
                return Optional.of(new GpuEvidence(
                        new EvidenceBundle.Entry(
                                EvidenceBundle.NVIDIA_CC_OFF,
                                dev.cloister.base.Bytes.of("GPU confidential computing is off"
                                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII))),
                        new EvidenceBundle.Entry(EvidenceBundle.PEM_CHAIN, dev.cloister.base.Bytes.of(new byte[0])),
                        new GpuFreshness(java.time.Instant.now(), dev.cloister.base.Bytes.of(new byte[32]))));
            }

            @Override
            public CpuEvidence cpuReport(byte[] reportData) throws IOException {
                return cpuOnly.cpuReport(reportData);
            }
        };
        try (EnclaveIdentity insecure = EnclaveIdentity.generate(
                ccOff,
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM)) {
            RaTlsException x = refused(
                    RaTlsFixture.client(RaTlsFixture.policy()), insecure, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("--insecure-gpu-cc-off"), x.getMessage());
            refused(
                    RaTlsFixture.client(RaTlsFixture.policy().withGpu(new RaTlsPolicy.NoGpu())),
                    insecure,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
        }
    }

    /** The fixture's CPU + GPU enclave, stapling {@code rims} (signed RIM documents) to its GPU evidence. */
    private static EnclaveIdentity stapling(List<byte[]> rims) {
        SimulatedEvidenceSource source = RaTlsFixture.source(Clock.systemUTC());
        EvidenceSource withRims = new EvidenceSource() {
            @Override
            public Optional<GpuEvidence> currentGpuEvidence() throws IOException {
                GpuEvidence g = source.currentGpuEvidence().orElseThrow();
                return Optional.of(new GpuEvidence(
                        g.report(),
                        g.endorsements(),
                        g.freshness(),
                        rims.isEmpty() ? Optional.empty() : Optional.of(EvidenceBundle.rims(rims)),
                        g.ocsp()));
            }

            @Override
            public CpuEvidence cpuReport(byte[] reportData) throws IOException {
                return source.cpuReport(reportData);
            }
        };
        return EnclaveIdentity.generate(
                withRims,
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
    }

    private static RaTlsPolicy requiringRims(RaTlsPolicy.RimRequirement rims) {
        return RaTlsFixture.policy()
                .withGpu(RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)).withRims(rims));
    }

    private static byte[] rimVector() {
        return dev.cloister.testing.Vectors.read(
                dev.cloister.testing.Vectors.file("nvidia-gpu/nvtrust/rims/1010_0200_882_96005E0001_PROD.swidtag"));
    }

    /** Published RIMs: the release of launch measurement {@code release} names the one RIM digest {@code rim}. */
    private static RaTlsPolicy.PublishedRims published(byte[] release, byte[] rim) {
        return RaTlsPolicy.PublishedRims.ofSevSnp(
                java.util.Map.of(dev.cloister.base.Bytes.of(release), List.of(model(rim, rim))));
    }

    /** The RIMs of one GPU model, HOPPER: driver RIM {@code driver}, VBIOS RIM {@code vbios} (SHA-384 digests). */
    static RaTlsPolicy.ModelRimDigests model(byte[] driver, byte[] vbios) {
        return new RaTlsPolicy.ModelRimDigests(
                "HOPPER", dev.cloister.base.Bytes.of(driver), List.of(dev.cloister.base.Bytes.of(vbios)));
    }

    private static byte[] sha384(byte[] data) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-384").digest(data);
    }

    @Test
    void aLedgerRimRequirementThatWasNeverAppliedRefuses() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(requiringRims(new RaTlsPolicy.FromLedger())),
                enclave,
                RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("none were applied"), x.getMessage());
    }

    @Test
    void gpuEvidenceWithoutStapledRimsIsRefusedWhenReleasesNameRims() throws Exception {
        RaTlsException x = refused(
                RaTlsFixture.client(requiringRims(published(RaTlsFixture.RELEASE, sha384(rimVector())))),
                enclave,
                RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("staples none"), x.getMessage());
    }

    @Test
    void aStapledRimNoReleaseNamesIsRefused() throws Exception {
        try (EnclaveIdentity e = stapling(List.of(rimVector(), rimVector()))) {
            RaTlsException x = refused(
                    RaTlsFixture.client(requiringRims(published(RaTlsFixture.RELEASE, new byte[48]))),
                    e,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("not named by any logged release"), x.getMessage());
        }
    }

    @Test
    void aStapledRimOnlyAnotherReleaseNamesIsRefusedNamingIt() throws Exception {
        // Both releases are accepted; the RIM is published by the other one, not by the release the enclave runs.
        byte[] rim = sha384(rimVector());
        RaTlsPolicy.PublishedRims rims = RaTlsPolicy.PublishedRims.ofSevSnp(java.util.Map.of(
                dev.cloister.base.Bytes.of(RaTlsFixture.RELEASE),
                List.of(model(new byte[48], new byte[48])),
                dev.cloister.base.Bytes.of(RaTlsFixture.OTHER_RELEASE),
                List.of(model(rim, rim))));
        try (EnclaveIdentity e = stapling(List.of(rimVector(), rimVector()))) {
            RaTlsException x =
                    refused(RaTlsFixture.client(requiringRims(rims)), e, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains(dev.cloister.base.Hex.format(rim)), x.getMessage());
            assertTrue(
                    x.getMessage()
                            .contains("not named by the release of the measured launch (SEV-SNP launch "
                                    + dev.cloister.base.Hex.format(RaTlsFixture.RELEASE)
                                    + ") (only by another logged release"),
                    x.getMessage());
        }
        // A measured launch no RIM-naming release has: refused before any RIM is read.
        try (EnclaveIdentity e = stapling(List.of(rimVector(), rimVector()))) {
            RaTlsException x = refused(
                    RaTlsFixture.client(requiringRims(published(RaTlsFixture.OTHER_RELEASE, rim))),
                    e,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    x.getMessage().contains("no logged release of the measured launch names GPU reference values"),
                    x.getMessage());
        }
    }

    @Test
    void stapledRimsOfTwoModelsThatMakeNoModelCompleteAreRefused() throws Exception {
        // The release names HOPPER (driver = this RIM, VBIOS = another) and H200 (driver = another, VBIOS = the second
        // stapled RIM): both stapled RIMs are the release's, but no model has its driver and a VBIOS RIM stapled.
        byte[] first = rimVector();
        byte[] second = dev.cloister.testing.Vectors.read(
                dev.cloister.testing.Vectors.file("nvidia-gpu/nvtrust/rims/1010_0200_882_96005E0003_PROD.swidtag"));
        RaTlsPolicy.PublishedRims rims = RaTlsPolicy.PublishedRims.ofSevSnp(java.util.Map.of(
                dev.cloister.base.Bytes.of(RaTlsFixture.RELEASE),
                List.of(
                        model(sha384(first), new byte[48]),
                        new RaTlsPolicy.ModelRimDigests(
                                "H200",
                                dev.cloister.base.Bytes.of(new byte[48]),
                                List.of(dev.cloister.base.Bytes.of(sha384(second)))))));
        try (EnclaveIdentity e = stapling(List.of(first, second))) {
            RaTlsException x =
                    refused(RaTlsFixture.client(requiringRims(rims)), e, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(
                    x.getMessage().contains("hold no driver RIM with a VBIOS RIM of one GPU model")
                            && x.getMessage().contains("[HOPPER, H200]"),
                    x.getMessage());
        }
    }

    @Test
    void oneStapledRimIsNotEnough() throws Exception {
        try (EnclaveIdentity e = stapling(List.of(rimVector()))) {
            RaTlsException x = refused(
                    RaTlsFixture.client(requiringRims(published(RaTlsFixture.RELEASE, sha384(rimVector())))),
                    e,
                    RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
            assertTrue(x.getMessage().contains("a driver RIM and a VBIOS RIM are needed"), x.getMessage());
        }
    }

    @Test
    void gpuEvidenceWhereThePolicyExpectsACpuOnlyPeer() throws Exception {
        refused(
                RaTlsFixture.client(RaTlsFixture.policy().withGpu(new RaTlsPolicy.NoGpu())),
                enclave,
                RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
    }

    @Test
    void expiredCertificate() throws Exception {
        refused(
                RaTlsFixture.client(RaTlsFixture.policy(), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(7))),
                enclave,
                RaTlsException.Reason.CERTIFICATE_NOT_VALID_NOW);
    }

    @Test
    void certificateLivingLongerThanThePolicyAllows() throws Exception {
        try (EnclaveIdentity longLived = EnclaveIdentity.generate(
                source,
                new AttestationMode.PerHandshake(),
                Duration.ofHours(12),
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            refused(
                    RaTlsFixture.client(RaTlsFixture.policy()),
                    longLived,
                    RaTlsException.Reason.CERTIFICATE_NOT_VALID_NOW);
        }
    }

    @Test
    void batchedReportWhereThePolicyRefusesBatching() throws Exception {
        try (EnclaveIdentity batched = EnclaveIdentity.generate(
                source,
                new AttestationMode.Batched(Duration.ZERO, 16),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            refused(
                    RaTlsFixture.client(RaTlsFixture.policy().withBatching(RaTlsPolicy.Batching.REFUSE)),
                    batched,
                    RaTlsException.Reason.BATCH_PATH_INVALID);
        }
    }

    @Test
    void batchPathWithTooFewHashes() throws Exception {
        try (EnclaveIdentity batched = EnclaveIdentity.generate(
                source,
                new AttestationMode.Batched(Duration.ZERO, 16),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            refused(
                    RaTlsFixture.client(RaTlsFixture.policy()),
                    forging(r -> {
                        RaTlsEvidence e =
                                batched.forServerHandshake(r).certificate().evidence();
                        return batched.credential(new RaTlsEvidence(
                                e.bundle(), e.gpuFreshness(), Optional.of(new InclusionProof(0, 2, List.of()))));
                    }),
                    RaTlsException.Reason.BATCH_PATH_INVALID);
        }
    }

    @Test
    void batchPathToAnotherLeaf() throws Exception {
        try (EnclaveIdentity batched = EnclaveIdentity.generate(
                source,
                new AttestationMode.Batched(Duration.ZERO, 16),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RANDOM)) {
            refused(
                    RaTlsFixture.client(RaTlsFixture.policy()),
                    forging(r -> {
                        RaTlsEvidence e =
                                batched.forServerHandshake(r).certificate().evidence();
                        return batched.credential(new RaTlsEvidence(
                                e.bundle(),
                                e.gpuFreshness(),
                                Optional.of(
                                        new InclusionProof(1, 2, List.of(dev.cloister.base.Bytes.of(random32()))))));
                    }),
                    RaTlsException.Reason.BINDING_MISMATCH);
        }
    }

    @Test
    void certificateWithoutEvidence() throws Exception {
        // Same key and the real evidence, but the bundle's CPU report swapped for garbage of the right type.
        refused(
                RaTlsFixture.client(RaTlsFixture.policy()),
                forging(r -> {
                    RaTlsEvidence e =
                            enclave.forServerHandshake(r).certificate().evidence();
                    EvidenceBundle b = e.bundle();
                    EvidenceBundle broken = new EvidenceBundle(
                            new EvidenceBundle.Entry(
                                    EvidenceBundle.SEV_SNP_REPORT, dev.cloister.base.Bytes.of(new byte[100])),
                            b.cpuEndorsements(),
                            b.gpu(),
                            b.gpuEndorsements(),
                            b.ledgerProofs());
                    return enclave.credential(new RaTlsEvidence(broken, e.gpuFreshness(), e.batch()));
                }),
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
    }

    @Test
    void serverWhoseEvidenceSourceFails() throws Exception {
        EvidenceSource failing = new EvidenceSource() {
            @Override
            public Optional<GpuEvidence> currentGpuEvidence() {
                return Optional.empty();
            }

            @Override
            public CpuEvidence cpuReport(byte[] reportData) throws IOException {
                throw new IOException("firmware busy");
            }
        };
        try (EnclaveIdentity broken = RaTlsFixture.perHandshake(failing)) {
            RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
            RaTlsConnection s = RaTlsFixture.server(broken).accept();
            RaTlsException x = assertThrows(RaTlsException.class, () -> s.receive(c.takeOutgoing()));
            assertEquals(RaTlsException.Reason.EVIDENCE_UNAVAILABLE, x.reason());
            RaTlsException told = assertThrows(RaTlsException.class, () -> c.receive(s.takeOutgoing()));
            assertEquals(RaTlsException.Reason.PEER_ALERT, told.reason());
            assertTrue(told.getMessage().contains("internal_error"), told.getMessage());
        }
    }

    /** Splits a byte stream into its TLS records (5-byte header, 2-byte length at offset 3). */
    static List<byte[]> records(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        for (int at = 0; at < stream.length; ) {
            int len = ((stream[at + 3] & 0xff) << 8) | (stream[at + 4] & 0xff);
            out.add(java.util.Arrays.copyOfRange(stream, at, at + 5 + len));
            at += 5 + len;
        }
        return out;
    }

    @Test
    void truncatedHandshakeNeverCompletesAndTimesOut() throws Exception {
        RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        s.receive(c.takeOutgoing());
        byte[] flight = s.takeOutgoing();
        c.receive(java.util.Arrays.copyOf(flight, flight.length - 40));
        assertFalse(c.isHandshakeComplete());
        assertTrue(c.takeOutgoing().length <= 6, "at most the compatibility ChangeCipherSpec, never a Finished");
        assertDoesNotThrow(() -> c.checkDeadline(c.deadline().minusMillis(1)));
        RaTlsException x = assertThrows(RaTlsException.class, () -> c.checkDeadline(c.deadline()));
        assertEquals(RaTlsException.Reason.TIMEOUT, x.reason());
        assertEquals(
                RaTlsException.Reason.TIMEOUT,
                assertThrows(RaTlsException.class, () -> c.receive(new byte[] {0}))
                        .reason());
        assertTrue(c.peer().isEmpty());
    }

    @Test
    void reorderedHandshakeRecordsAreRefused() throws Exception {
        RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        s.receive(c.takeOutgoing());
        List<byte[]> recs = records(s.takeOutgoing());
        assertTrue(recs.size() >= 4, "ServerHello, ChangeCipherSpec and encrypted records: " + recs.size());
        ByteArrayOutputStream swapped = new ByteArrayOutputStream();
        List<byte[]> order = new ArrayList<>(recs);
        byte[] last = order.remove(order.size() - 1);
        order.add(order.size() - 1, last);
        order.forEach(swapped::writeBytes);
        RaTlsException x = assertThrows(RaTlsException.class, () -> c.receive(swapped.toByteArray()));
        assertEquals(RaTlsException.Reason.PROTOCOL, x.reason(), x.getMessage());
        assertFalse(c.isHandshakeComplete());
    }

    @Test
    void garbageInsteadOfAClientHello() throws Exception {
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        RaTlsException x = assertThrows(
                RaTlsException.class, () -> s.receive(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0}));
        assertEquals(RaTlsException.Reason.PROTOCOL, x.reason(), x.getMessage());
    }

    @Test
    void stalledClientTimesOutOnTheServer() throws Exception {
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        s.receive(new byte[] {0x16, 0x03, 0x01});
        assertDoesNotThrow(() -> s.checkDeadline(s.deadline().minusMillis(1)));
        assertEquals(
                RaTlsException.Reason.TIMEOUT,
                assertThrows(RaTlsException.class, () -> s.checkDeadline(s.deadline()))
                        .reason());
        assertTrue(s.isClosed());
    }

    @Test
    void tlsTwelveIsRefused() throws Exception {
        // A TLS 1.2-only ClientHello (no supported_versions): the server answers with a protocol_version alert.
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        org.bouncycastle.tls.TlsClientProtocol legacy = new org.bouncycastle.tls.TlsClientProtocol();
        legacy.connect(
                new org.bouncycastle.tls.DefaultTlsClient(new org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto(RANDOM)) {
                    @Override
                    protected org.bouncycastle.tls.ProtocolVersion[] getSupportedVersions() {
                        return org.bouncycastle.tls.ProtocolVersion.TLSv12.only();
                    }

                    @Override
                    public org.bouncycastle.tls.TlsAuthentication getAuthentication() {
                        throw new UnsupportedOperationException();
                    }
                });
        byte[] hello = new byte[legacy.getAvailableOutputBytes()];
        legacy.readOutput(hello, 0, hello.length);
        RaTlsException x = assertThrows(RaTlsException.class, () -> s.receive(hello));
        assertEquals(RaTlsException.Reason.PROTOCOL, x.reason(), x.getMessage());
    }
}
