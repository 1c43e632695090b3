package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cloister attest verify} on the real samples in testdata/vectors, as an auditor would run it. */
class AttestVerifyCommandTest {

    private static final String AT = "2026-11-28T00:00:00Z";

    @TempDir
    Path dir;

    private static Path vectors(String relative) {
        Path file = Path.of(System.getProperty("cloister.vectors")).resolve(relative);
        assertTrue(Files.isRegularFile(file), "missing vector " + file);
        return file;
    }

    private record Run(int code, JsonObject json) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        List<String> all = new ArrayList<>(List.of("attest", "verify"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, new JsonObject(out.toString()));
    }

    @Test
    void realSevSnpReportIsAcceptedWithItsClaims() throws Exception {
        String[] sample = {
            "--kind",
            "sev-snp",
            "--evidence",
            vectors("sev-snp/virtee-sev/report_milan.bin").toString(),
            "--certs",
            vectors("sev-snp/virtee-sev/vcek_milan.der").toString(),
            "--collateral",
            vectors("sev-snp/virtee-sev/cert_chain_milan").toString(),
            "--at",
            AT
        };
        // The sample's host runs with SMT on: the default policy refuses it, one that allows SMT accepts it.
        Run byDefault = run(sample);
        assertEquals(1, byDefault.code(), byDefault.json()::encodePrettily);
        assertTrue(byDefault.json().getString("reason").contains("SMT_EN"), byDefault.json()::encode);
        Path smt = dir.resolve("smt-allowed.json");
        Files.writeString(smt, "{\"sev-snp\":{\"smt\":\"allowed\"}}");
        String[] withPolicy = java.util.Arrays.copyOf(sample, sample.length + 2);
        withPolicy[sample.length] = "--policy";
        withPolicy[sample.length + 1] = smt.toString();
        Run run = run(withPolicy);
        assertEquals(0, run.code(), run.json()::encodePrettily);
        assertEquals("accepted", run.json().getString("verdict"));
        assertTrue(run.json().encode().contains("7a1e5c266c0108dbc9bb"), "the measurement is among the claims");
    }

    @Test
    void debugGuestTamperedReportAndPolicyMismatchAreRefused() throws Exception {
        Run debug = run(
                "--kind",
                "sev-snp",
                "--evidence",
                vectors("sev-snp/go-sev-guest/attestation.bin").toString(),
                "--certs",
                vectors("sev-snp/go-sev-guest/vcek.testcer").toString(),
                "--collateral",
                vectors("sev-snp/go-sev-guest/ask_ark_milan.pem").toString(),
                "--at",
                AT);
        assertEquals(1, debug.code());
        assertEquals("refused", debug.json().getString("verdict"));
        assertTrue(debug.json().getString("reason").contains("DEBUG"), debug.json()::encode);

        byte[] report = Files.readAllBytes(vectors("sev-snp/virtee-sev/report_milan.bin"));
        report[0x90] ^= 1;
        Path tampered = dir.resolve("tampered.bin");
        Files.write(tampered, report);
        assertEquals(
                1,
                run(
                                "--kind",
                                "sev-snp",
                                "--evidence",
                                tampered.toString(),
                                "--certs",
                                vectors("sev-snp/virtee-sev/vcek_milan.der").toString(),
                                "--at",
                                AT)
                        .code());

        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{\"sev-snp\":{\"smt\":\"allowed\",\"measurement\":\"" + "00".repeat(48) + "\"}}");
        Run mismatch = run(
                "--kind",
                "sev-snp",
                "--evidence",
                vectors("sev-snp/virtee-sev/report_milan.bin").toString(),
                "--certs",
                vectors("sev-snp/virtee-sev/vcek_milan.der").toString(),
                "--policy",
                policy.toString(),
                "--at",
                AT);
        assertEquals(1, mismatch.code(), "a measurement outside the policy is refused");

        Files.writeString(policy, "{\"sev-snp\":{\"measurment\":\"00\"}}");
        assertEquals(
                1,
                run(
                                "--kind",
                                "sev-snp",
                                "--evidence",
                                vectors("sev-snp/virtee-sev/report_milan.bin").toString(),
                                "--certs",
                                vectors("sev-snp/virtee-sev/vcek_milan.der").toString(),
                                "--policy",
                                policy.toString(),
                                "--at",
                                AT)
                        .code(),
                "a misspelt policy field is an error, never ignored");
    }

    @Test
    void realGpuReportIsAccepted() {
        Run run = run(
                "--kind",
                "nvidia-gpu",
                "--evidence",
                vectors("nvidia-gpu/nvtrust/hopperAttestationReport.txt").toString(),
                "--certs",
                vectors("nvidia-gpu/nvtrust/hopperCertChain.txt").toString(),
                "--at",
                AT);
        assertEquals(0, run.code(), run.json()::encodePrettily);
        assertEquals("accepted", run.json().getString("verdict"));
    }

    /** The real SEV-SNP report and chain with the real H100 report and chain as GPU 0 and, when asked, as GPU 1. */
    private Path realBundle(boolean sameGpuTwice) throws Exception {
        String vcekPem = "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder()
                        .encodeToString(Files.readAllBytes(vectors("sev-snp/virtee-sev/vcek_milan.der")))
                + "\n-----END CERTIFICATE-----\n";
        byte[] cpuChain = (vcekPem + Files.readString(vectors("sev-snp/virtee-sev/cert_chain_milan")))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        var report = new dev.cloister.attest.bundle.EvidenceBundle.Entry(
                dev.cloister.attest.bundle.EvidenceBundle.NVIDIA_SPDM_REPORT,
                dev.cloister.base.Bytes.of(dev.cloister.attest.nvgpu.NvidiaGpuEvidence.ofHex(
                                Files.readString(vectors("nvidia-gpu/nvtrust/hopperAttestationReport.txt")))
                        .report()));
        var chain = new dev.cloister.attest.bundle.EvidenceBundle.Entry(
                dev.cloister.attest.bundle.EvidenceBundle.PEM_CHAIN,
                dev.cloister.base.Bytes.of(Files.readAllBytes(vectors("nvidia-gpu/nvtrust/hopperCertChain.txt"))));
        var bundle = new dev.cloister.attest.bundle.EvidenceBundle(
                new dev.cloister.attest.bundle.EvidenceBundle.Entry(
                        dev.cloister.attest.bundle.EvidenceBundle.SEV_SNP_REPORT,
                        dev.cloister.base.Bytes.of(Files.readAllBytes(vectors("sev-snp/virtee-sev/report_milan.bin")))),
                new dev.cloister.attest.bundle.EvidenceBundle.Entry(
                        dev.cloister.attest.bundle.EvidenceBundle.PEM_CHAIN, dev.cloister.base.Bytes.of(cpuChain)),
                java.util.Optional.of(report),
                java.util.Optional.of(chain),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                sameGpuTwice
                        ? List.of(new dev.cloister.attest.bundle.EvidenceBundle.GpuEntries(
                                report, chain, java.util.Optional.empty()))
                        : List.of());
        return Files.write(dir.resolve(sameGpuTwice ? "two.cbor" : "one.cbor"), bundle.encode());
    }

    /** The SEV-SNP policy the real Milan report needs, and the nonce the real H100 report was made for. */
    private Path bundlePolicy() throws Exception {
        return Files.writeString(
                dir.resolve("bundle-policy.json"),
                "{\"sev-snp\":{\"smt\":\"allowed\"},\"nvidia-gpu\":{\"nonce\":\"" + H100_NONCE + "\"}}");
    }

    private static final String H100_NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

    @Test
    void aBundleShowingOneRealGpuTwiceIsRefused() throws Exception {
        String policy = bundlePolicy().toString();
        Run one = run(
                "--kind",
                "bundle",
                "--evidence",
                realBundle(false).toString(),
                "--policy",
                policy,
                "--gpus",
                "1",
                "--at",
                AT);
        assertEquals(0, one.code(), one.json()::encodePrettily);
        Run two = run(
                "--kind",
                "bundle",
                "--evidence",
                realBundle(true).toString(),
                "--policy",
                policy,
                "--gpus",
                "2",
                "--at",
                AT);
        assertEquals(1, two.code(), two.json()::encodePrettily);
        assertTrue(two.json().getString("reason").contains("GPU 0 and GPU 1 are the same GPU"), two.json()::encode);
    }

    @Test
    void aBundleWithAnotherGpuCountThanAskedOrTheReleasesIsRefused() throws Exception {
        String policy = bundlePolicy().toString();
        String bundle = realBundle(false).toString();
        Run two = run("--kind", "bundle", "--evidence", bundle, "--policy", policy, "--gpus", "2", "--at", AT);
        assertEquals(1, two.code(), two.json()::encodePrettily);
        assertTrue(
                two.json().getString("reason").contains("carries the evidence of 1 GPU(s), --gpus says 2"),
                two.json()::encode);
        Run none = run("--kind", "bundle", "--evidence", bundle, "--policy", policy, "--at", AT);
        assertEquals(1, none.code(), none.json()::encodePrettily);
        assertTrue(none.json().getString("reason").contains("want 0 (give --gpus N"), none.json()::encode);
        // A release on two GPUs: its gpu_count is the count.
        dev.cloister.ledger.note.Ed25519NoteSigner key = dev.cloister.ledger.note.Ed25519NoteSigner.generate(
                "release.example", new java.security.SecureRandom());
        Path entry = Files.write(
                dir.resolve("release.entry"),
                dev.cloister.ledger.entry.SignedRelease.sign(twoGpuRelease(), key)
                        .encode());
        Run release = run(
                "--kind",
                "bundle",
                "--evidence",
                bundle,
                "--policy",
                policy,
                "--release-entry",
                entry.toString(),
                "--release-vkey",
                key.verifier().verifierKey().encode(),
                "--at",
                AT);
        assertEquals(1, release.code(), release.json()::encodePrettily);
        assertTrue(
                release.json().getString("reason").contains("1 GPU(s), the release's gpu_count is 2"),
                release.json()::encode);
    }

    /** A release (valid all of 2026) on two HOPPER GPUs, measuring launch digest 0…0. */
    private static dev.cloister.ledger.entry.ReleaseManifest twoGpuRelease() {
        dev.cloister.ledger.entry.Digest rim = new dev.cloister.ledger.entry.Digest(
                dev.cloister.ledger.entry.Digest.Algorithm.SHA_384, dev.cloister.base.Bytes.of(new byte[48]));
        return new dev.cloister.ledger.entry.ReleaseManifest(
                "two-gpu release",
                java.time.Instant.parse("2026-01-01T00:00:00Z"),
                java.time.Instant.parse("2027-01-01T00:00:00Z"),
                0,
                true,
                List.of(new dev.cloister.ledger.entry.SnpShape(1, 1, dev.cloister.base.Bytes.of(new byte[48]))),
                java.util.Optional.empty(),
                List.of(),
                List.of(new dev.cloister.ledger.entry.GpuReferenceValue("HOPPER", rim, rim)),
                2,
                List.of(new dev.cloister.ledger.entry.ImageDigest(
                        "vmlinuz",
                        new dev.cloister.ledger.entry.Digest(
                                dev.cloister.ledger.entry.Digest.Algorithm.SHA_256,
                                dev.cloister.base.Bytes.of(new byte[32])))),
                dev.cloister.base.Bytes.EMPTY,
                "0123456789abcdef",
                new dev.cloister.ledger.entry.Digest(
                        dev.cloister.ledger.entry.Digest.Algorithm.SHA_256, dev.cloister.base.Bytes.of(new byte[32])));
    }

    /** Runs {@code attest verify} through the launcher (a usage error prints one line, no JSON). */
    private static LauncherRun usage(List<String> args) {
        List<String> all = new ArrayList<>(List.of("attest", "verify"));
        all.addAll(args);
        return LauncherRun.of(all.toArray(String[]::new));
    }

    @Test
    void aReleaseEntryIsReadOnlyOnceItsSignatureVerifiesUnderAGivenReleaseKey() throws Exception {
        String policy = bundlePolicy().toString();
        String bundle = realBundle(false).toString();
        java.security.SecureRandom random = new java.security.SecureRandom();
        dev.cloister.ledger.note.Ed25519NoteSigner key =
                dev.cloister.ledger.note.Ed25519NoteSigner.generate("release.example", random);
        dev.cloister.ledger.note.Ed25519NoteSigner other =
                dev.cloister.ledger.note.Ed25519NoteSigner.generate("other.example", random);
        String vkey = key.verifier().verifierKey().encode();
        dev.cloister.ledger.entry.SignedRelease signed =
                dev.cloister.ledger.entry.SignedRelease.sign(twoGpuRelease(), key);
        Path genuine = Files.write(dir.resolve("genuine.entry"), signed.encode());
        List<String> common = List.of("--kind", "bundle", "--evidence", bundle, "--policy", policy, "--at", AT);

        // No release key to check it with: a usage error, the bundle is not appraised.
        List<String> noKey = new ArrayList<>(common);
        noKey.addAll(List.of("--release-entry", genuine.toString()));
        LauncherRun unchecked = usage(noKey);
        assertEquals(2, unchecked.code(), unchecked::output);
        assertTrue(unchecked.output().contains("needs --release-vkey"), unchecked::output);

        // The signature no longer covers the manifest: a forged gpu_count (1, what the bundle carries) is refused.
        dev.cloister.ledger.entry.SignedRelease forged = new dev.cloister.ledger.entry.SignedRelease(
                signed.manifest().withGpus(signed.manifest().gpus(), 1), signed.releaseKey(), signed.signature());
        Path forgedEntry = Files.write(dir.resolve("forged.entry"), forged.encode());
        Run forgedRun = runWith(common, "--release-entry", forgedEntry.toString(), "--release-vkey", vkey);
        assertEquals(1, forgedRun.code(), forgedRun.json()::encodePrettily);
        assertTrue(
                forgedRun.json().getString("reason").contains("does not carry a valid signature of its release key"),
                forgedRun.json()::encode);

        // Signed by a key that no --release-vkey names (an unknown signer may set any GPU count).
        Path foreign = Files.write(
                dir.resolve("foreign.entry"),
                dev.cloister.ledger.entry.SignedRelease.sign(
                                signed.manifest().withGpus(signed.manifest().gpus(), 1), other)
                        .encode());
        Run foreignRun = runWith(common, "--release-entry", foreign.toString(), "--release-vkey", vkey);
        assertEquals(1, foreignRun.code(), foreignRun.json()::encodePrettily);
        assertTrue(
                foreignRun.json().getString("reason").contains("which no --release-vkey names"),
                foreignRun.json()::encode);

        // Genuinely signed, but not valid at --at.
        Run early = runWith(
                List.of("--kind", "bundle", "--evidence", bundle, "--policy", policy, "--at", "2025-06-01T00:00:00Z"),
                "--release-entry",
                genuine.toString(),
                "--release-vkey",
                vkey);
        assertEquals(1, early.code(), early.json()::encodePrettily);
        assertTrue(early.json().getString("reason").contains("not at 2025-06-01T00:00:00Z"), early.json()::encode);

        // Genuinely signed and valid: read, and its gpu_count (2) applied.
        Run good = runWith(common, "--release-entry", genuine.toString(), "--release-vkey", vkey);
        assertEquals(1, good.code(), good.json()::encodePrettily);
        assertTrue(good.json().getString("reason").contains("the release's gpu_count is 2"), good.json()::encode);

        // A release key without a release entry is a usage error.
        List<String> keyOnly = new ArrayList<>(common);
        keyOnly.addAll(List.of("--gpus", "1", "--release-vkey", vkey));
        LauncherRun stray = usage(keyOnly);
        assertEquals(2, stray.code(), stray::output);
        assertTrue(stray.output().contains("--release-entry only"), stray::output);
    }

    @Test
    void aReleaseNamingGpuRimsMeasuresTheGpusAgainstRimsItNames() throws Exception {
        String policy = bundlePolicy().toString();
        String bundle = realBundle(false).toString();
        dev.cloister.ledger.note.Ed25519NoteSigner key = dev.cloister.ledger.note.Ed25519NoteSigner.generate(
                "release.example", new java.security.SecureRandom());
        String vkey = key.verifier().verifierKey().encode();
        // The real Milan report's launch measurement, on one GPU of NVIDIA's two test RIMs.
        byte[] measurement = java.util.Arrays.copyOfRange(
                Files.readAllBytes(vectors("sev-snp/virtee-sev/report_milan.bin")), 0x90, 0x90 + 48);
        Path driver = vectors("nvidia-gpu/nvtrust/Driver_RIM_test_no_gpu.swidtag");
        Path vbios = vectors("nvidia-gpu/nvtrust/1010_0200_882_96005E0001_test_no_gpu.swidtag");
        dev.cloister.ledger.entry.ReleaseManifest named = twoGpuRelease()
                .withSnpShapes(
                        List.of(new dev.cloister.ledger.entry.SnpShape(1, 1, dev.cloister.base.Bytes.of(measurement))))
                .withGpus(
                        List.of(new dev.cloister.ledger.entry.GpuReferenceValue(
                                "HOPPER", sha384(driver), sha384(vbios))),
                        1);
        Path entry = Files.write(
                dir.resolve("rims.entry"),
                dev.cloister.ledger.entry.SignedRelease.sign(named, key).encode());
        Path rims = Files.createDirectories(dir.resolve("release-rims"));
        Files.copy(driver, rims.resolve("driver.swidtag"));
        Files.copy(vbios, rims.resolve("vbios.swidtag"));
        List<String> common = List.of(
                "--kind",
                "bundle",
                "--evidence",
                bundle,
                "--policy",
                policy,
                "--at",
                AT,
                "--release-entry",
                entry.toString(),
                "--release-vkey",
                vkey);

        // No RIMs to measure its GPUs against: refused.
        Run none = runWith(common);
        assertEquals(1, none.code(), none.json()::encodePrettily);
        assertTrue(
                none.json().getString("reason").contains("names GPU RIMs: give them with --rims"), none.json()::encode);

        // A RIM the release does not name: refused, naming it.
        Path other = Files.createDirectories(dir.resolve("other-rims"));
        Files.copy(vbios, other.resolve("vbios.swidtag"));
        Files.write(other.resolve("foreign.swidtag"), "<SoftwareIdentity/>".getBytes(StandardCharsets.UTF_8));
        Run foreign = runWith(common, "--rims", other.toString());
        assertEquals(1, foreign.code(), foreign.json()::encodePrettily);
        assertTrue(
                foreign.json().getString("reason").contains("RIM foreign.swidtag (sha384 ")
                        && foreign.json().getString("reason").contains("is not one that release"),
                foreign.json()::encode);

        // The RIMs it names: past that check, they are verified as NVIDIA's and the GPU measured against them
        // (NVIDIA's published test RIMs were signed under a chain that expired before --at: refused for that).
        Run own = runWith(common, "--rims", rims.toString());
        assertEquals(1, own.code(), own.json()::encodePrettily);
        assertFalse(own.json().getString("reason").contains("is not one that release"), own.json()::encode);
        assertTrue(own.json().getString("reason").contains("while verifying an NVIDIA RIM"), own.json()::encode);
    }

    private static dev.cloister.ledger.entry.Digest sha384(Path file) throws Exception {
        return new dev.cloister.ledger.entry.Digest(
                dev.cloister.ledger.entry.Digest.Algorithm.SHA_384,
                dev.cloister.base.Bytes.of(
                        java.security.MessageDigest.getInstance("SHA-384").digest(Files.readAllBytes(file))));
    }

    private static Run runWith(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return run(all.toArray(String[]::new));
    }

    @Test
    void eachGpuIsVerifiedWithItsOwnFreshnessNonce() throws Exception {
        String policy = bundlePolicy().toString();
        String bundle = realBundle(false).toString();
        // GPU 0 must carry nonce 0 of the certificate's GPU freshness: the real report was made for another nonce
        // (the freshness replaces the policy file's nonce).
        Run other = run(
                "--kind",
                "bundle",
                "--evidence",
                bundle,
                "--policy",
                policy,
                "--gpus",
                "1",
                "--gpu-refreshed-at",
                "2026-11-27T23:59:00Z",
                "--gpu-salt",
                "00".repeat(32),
                "--at",
                AT);
        assertEquals(1, other.code(), other.json()::encodePrettily);
        String reason = other.json().getString("reason");
        assertTrue(reason.contains("while verifying GPU 0 of 1 in the bundle"), reason);
        assertTrue(reason.contains("nonce"), reason);
        assertTrue(
                reason.contains(dev.cloister.base.Hex.format(new dev.cloister.attest.ratls.GpuFreshness(
                                java.time.Instant.parse("2026-11-27T23:59:00Z"),
                                dev.cloister.base.Bytes.of(new byte[32]))
                        .nonce(0))),
                reason);
        // No nonce at all: refused, not skipped.
        Path smt = Files.writeString(dir.resolve("smt.json"), "{\"sev-snp\":{\"smt\":\"allowed\"}}");
        Run unchecked =
                run("--kind", "bundle", "--evidence", bundle, "--policy", smt.toString(), "--gpus", "1", "--at", AT);
        assertEquals(1, unchecked.code(), unchecked.json()::encodePrettily);
        assertTrue(unchecked.json().getString("reason").contains("no nonce to check"), unchecked.json()::encode);
    }

    /** Intel's PCS collateral of the SPR quote in the layout --collateral reads. */
    private Path sprCollateral() throws Exception {
        Path c = Files.createDirectories(dir.resolve("collateral"));
        String g = "tdx/go-tdx-guest/";
        Files.copy(vectors(g + "sample_tcbInfo_response"), c.resolve("tcb_info.json"));
        Files.copy(vectors(g + "tcbinfo_issuer_chain.pem"), c.resolve("tcb_info_issuer_chain.pem"));
        Files.copy(vectors(g + "sample_qeIdentity_response"), c.resolve("qe_identity.json"));
        Files.copy(vectors(g + "qeidentity_issuer_chain.pem"), c.resolve("qe_identity_issuer_chain.pem"));
        Files.copy(vectors(g + "pckcrl"), c.resolve("pck_crl.der"));
        Files.copy(vectors(g + "rootcrl.der"), c.resolve("root_crl.der"));
        return c;
    }

    @Test
    void realTdxQuoteIsGenuineAndItsTcbIsAppraisedWithCollateral() throws Exception {
        String quote = vectors("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat").toString();
        // Intel's SPR sample TD was created without SEPT_VE_DISABLE, which the default policy requires.
        Run hardened = run("--kind", "tdx", "--evidence", quote, "--at", AT);
        assertEquals(1, hardened.code(), hardened.json()::encodePrettily);
        assertTrue(hardened.json().getString("reason").contains("lacks SEPT_VE_DISABLE"), hardened.json()::encode);
        Path relaxed = dir.resolve("tdx-sept.json");
        Files.writeString(relaxed, "{\"tdx\":{\"td_attributes\":{\"require_sept_ve_disable\":false}}}");
        Run genuine = run("--kind", "tdx", "--evidence", quote, "--policy", relaxed.toString(), "--at", AT);
        assertEquals(0, genuine.code(), genuine.json()::encodePrettily);
        assertEquals(
                "not evaluated (no PCS collateral)",
                genuine.json().getJsonObject("claims").getString("tcb_status"),
                genuine.json()::encodePrettily);

        // With Intel's collateral (current in July 2023), every signature and CRL verifies and the TCB level is
        // found to be unsupported: the platform's SGX components are below every level of its TCB info.
        Run collateral = run(
                "--kind",
                "tdx",
                "--evidence",
                quote,
                "--collateral",
                sprCollateral().toString(),
                "--policy",
                relaxed.toString(),
                "--at",
                "2023-07-01T00:00:00Z");
        assertEquals(1, collateral.code());
        assertTrue(collateral.json().getString("reason").contains("TCB not supported"), collateral.json()::encode);

        Path policy = dir.resolve("tdx-policy.json");
        Files.writeString(policy, "{\"tdx\":{\"tcb_statuses\":[\"UpToDate\"]}}");
        Run needsCollateral = run("--kind", "tdx", "--evidence", quote, "--policy", policy.toString(), "--at", AT);
        assertEquals(1, needsCollateral.code());
        assertTrue(
                needsCollateral.json().getString("reason").contains("no PCS collateral"),
                needsCollateral.json()::encode);
    }
}
