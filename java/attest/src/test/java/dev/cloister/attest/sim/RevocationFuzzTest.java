package dev.cloister.attest.sim;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.attest.tdx.TdxCollateral;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxEvidence;
import dev.cloister.attest.tdx.TdxVerifier;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

class RevocationFuzzTest {

    private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
    private static final SimulatedTdxPlatform TDX;
    private static final SimulatedNvidiaGpu GPU;
    private static final TdxEvidence QUOTE;
    private static final NvidiaGpuEvidence REPORT;
    private static final TdxCollateral COLLATERAL;
    private static final byte[] OCSP;

    static {
        try {
            SecureRandom random = new SecureRandom();
            TDX = SimulatedTdxPlatform.openOrCreate(Files.createTempDirectory("fuzz-tdx"), NOW, random);
            GPU = SimulatedNvidiaGpu.openOrCreate(Files.createTempDirectory("fuzz-gpu"), NOW, random);
            QUOTE = TDX.quote(
                    new byte[64], new byte[48], List.of(new byte[48], new byte[48], new byte[48], new byte[48]), false);
            COLLATERAL = TDX.collateral(NOW, TcbStatus.UP_TO_DATE, false);
            byte[][] m = new byte[SimulatedNvidiaGpu.BLOCKS][48];
            REPORT = GPU.report(new byte[32], m, random);
            OCSP = GPU.ocspResponse(NOW, false);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Mutated or arbitrary CRLs (as PCK CRL or Root CA CRL), PCS bodies and OCSP responses go through the full
     * verifiers with otherwise valid simulated evidence: each is accepted only when unchanged, else refused with an
     * {@link AttestationException}; nothing else (no other exception, no hang).
     */
    @FuzzTest
    void revocationDataIsCheckedOrRefused(FuzzedDataProvider data) throws Exception {
        int which = data.consumeInt(0, 3);
        byte[] input = data.consumeRemainingAsBytes();
        try {
            switch (which) {
                case 0 ->
                    new TdxVerifier()
                            .verify(
                                    NOW,
                                    QUOTE,
                                    TdxEndorsements.withCollateral(COLLATERAL.withPckCrl(input)),
                                    TDX.insecurePolicy());
                case 1 ->
                    new TdxVerifier()
                            .verify(
                                    NOW,
                                    QUOTE,
                                    TdxEndorsements.withCollateral(COLLATERAL.withRootCrl(input)),
                                    TDX.insecurePolicy());
                case 2 ->
                    new TdxVerifier()
                            .verify(
                                    NOW,
                                    QUOTE,
                                    TdxEndorsements.withCollateral(COLLATERAL.withTcbInfo(input)),
                                    TDX.insecurePolicy());
                default ->
                    new NvidiaGpuVerifier()
                            .verify(
                                    NOW,
                                    REPORT,
                                    GPU.endorsements().withOcspResponses(List.of(input.length == 0 ? OCSP : input)),
                                    GPU.insecurePolicy());
            }
        } catch (AttestationException refused) {
            // a refusal is a correct outcome
        }
    }
}
