package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.measure.QemuDirectBootKernel;
import dev.cloister.attest.measure.Rtmr;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cloister cvm measure} in-process on sev-snp-measure's vectors (testdata/vectors/cvm-measure). */
class CvmMeasureCommandTest {

    /** test_snp_default: AmdSev OVMF, empty kernel and initrd, this command line, 1 vCPU EPYC-v4, features 0x21. */
    static final String SNP_DEFAULT =
            "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e1" + "7895dfe778d0228977";
    /** test_snp_ec2_feature_snp_only: EC2, empty cmdline, features 0x1. */
    static final String EC2_SNP_ONLY =
            "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd881" + "1050dec7e24964e5056";

    @TempDir
    Path dir;

    private static Path vector(String name) {
        Path file = Path.of(System.getProperty("cloister.vectors")).resolve("cvm-measure/sev-snp-measure/" + name);
        assertTrue(Files.isRegularFile(file), "missing vector " + file);
        return file;
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("cvm", "measure"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private Path empty(String name) throws Exception {
        return Files.write(dir.resolve(name), new byte[0]);
    }

    /**
     * {@code cvm measure} from files: the OVMF vector {@code ovmf}, {@code kernel} and {@code initrd} (each omitted
     * when null), {@code cmdline} (omitted when null), {@code vcpus} vCPUs of type EPYC-v4, {@code guestFeatures},
     * then {@code more}.
     */
    private static Run measure(
            String ovmf, Path kernel, Path initrd, String cmdline, String vcpus, String guestFeatures, String... more) {
        List<String> args = new ArrayList<>(List.of("--ovmf", vector(ovmf).toString()));
        if (kernel != null) args.addAll(List.of("--kernel", kernel.toString()));
        if (initrd != null) args.addAll(List.of("--initrd", initrd.toString()));
        if (cmdline != null) args.addAll(List.of("--cmdline", cmdline));
        args.addAll(List.of("--vcpus", vcpus, "--vcpu-type", "EPYC-v4", "--guest-features", guestFeatures));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void reproducesTheVectorFromFilesAndFromItsLaunchDescription() throws Exception {
        Path inputs = dir.resolve("launch.json");
        Run files = measure(
                "ovmf_AmdSev_suffix.bin",
                empty("k"),
                empty("i"),
                "console=ttyS0 loglevel=7",
                "1",
                "0x21",
                "--write-launch-inputs",
                inputs.toString());
        assertEquals(0, files.code(), files.err());
        assertEquals(
                "sev-snp launch digest (qemu, 1 vCPU, guest features 0x21): " + SNP_DEFAULT + "\n",
                files.out().replace(System.lineSeparator(), "\n"));

        Run json = run("--launch-inputs", inputs.toString(), "--json");
        assertEquals(0, json.code(), json.err());
        JsonObject o = new JsonObject(json.out());
        assertEquals(SNP_DEFAULT, o.getString("sev_snp_launch_digest"));
        assertEquals(
                "console=ttyS0 loglevel=7",
                o.getJsonObject("launch_description").getString("cmdline"));
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                o.getJsonObject("launch_description").getString("kernel_hash"));

        Run ec2 = measure("ovmf_AmdSev_suffix.bin", empty("k2"), empty("i2"), "", "1", "0x1", "--vmm", "ec2", "--json");
        assertEquals(0, ec2.code(), ec2.err());
        assertEquals(EC2_SNP_ONLY, new JsonObject(ec2.out()).getString("sev_snp_launch_digest"));
    }

    /** A synthetic bzImage with the EFI stub's PE headers (testdata/vectors/authenticode). */
    static Path bzImage() {
        return Path.of(System.getProperty("cloister.vectors")).resolve("authenticode/bzimage.efi");
    }

    @Test
    void tdxRtmr1AndRtmr2AreComputedFromTheFiles() throws Exception {
        Path initrd = Files.write(dir.resolve("initrd"), new byte[] {1, 2, 3, 4, 5});
        Run tdx = measure(
                "ovmf_AmdSev_suffix.bin",
                bzImage(),
                initrd,
                "console=ttyS0",
                "1",
                "0x1",
                "--tdx",
                "--tdx-memory",
                "8G",
                "--json");
        assertEquals(0, tdx.code(), tdx.err());
        JsonObject t = new JsonObject(tdx.out()).getJsonObject("tdx");
        byte[] kernel = Files.readAllBytes(bzImage());
        assertEquals(
                HexFormat.of()
                        .formatHex(Rtmr.directBootRtmr1(
                                QemuDirectBootKernel.authenticodeSha384(kernel, "console=ttyS0", 5, 8L << 30))),
                t.getString("rtmr1"));
        assertEquals(
                HexFormat.of()
                        .formatHex(Rtmr.directBootRtmr2(
                                "console=ttyS0 initrd=initrd",
                                MessageDigest.getInstance("SHA-384").digest(new byte[] {1, 2, 3, 4, 5}))),
                t.getString("rtmr2"));
    }

    @Test
    void tdxRefusesAKernelThatIsNotABzImage() throws Exception {
        Run tdx = measure(
                "ovmf_AmdSev_suffix.bin",
                Files.write(dir.resolve("k"), new byte[8192]),
                empty("i"),
                "console=ttyS0",
                "1",
                "0x1",
                "--tdx");
        assertEquals(1, tdx.code(), tdx.out());
        assertTrue(tdx.err().contains("no bzImage setup header (HdrS)"), tdx.err());
    }

    @Test
    void badInputEndsWithOneLineAndExitOne() throws Exception {
        Run x64 = measure("ovmf_OvmfX64_suffix.bin", empty("k"), null, null, "1", "0x21");
        assertEquals(1, x64.code());
        assertTrue(x64.err().contains("no SNP_KERNEL_HASHES section"), x64.err());
        assertEquals(1, x64.err().strip().lines().count(), x64.err());

        for (String vcpus : new String[] {"0", "1000"}) {
            Run r = measure("ovmf_AmdSev_suffix.bin", null, null, null, vcpus, "0x1");
            assertEquals(1, r.code());
            assertTrue(r.err().contains("vcpus: " + vcpus + " is outside [1, 512]"), r.err());
        }
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"ovmf_hash\": \"00\"}");
        Run json = run("--launch-inputs", bad.toString());
        assertEquals(1, json.code());
        assertTrue(json.err().contains("launch description: missing key"), json.err());

        Run noType =
                run("--ovmf", vector("ovmf_AmdSev_suffix.bin").toString(), "--vcpus", "1", "--guest-features", "0x1");
        assertEquals(1, noType.code());
        assertTrue(noType.err().contains("vcpu_type"), noType.err());

        assertEquals(2, run("--vcpus", "1").code(), "neither the files nor a description: a usage error");
    }
}
