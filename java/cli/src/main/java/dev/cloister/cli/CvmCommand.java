package dev.cloister.cli;

import dev.cloister.attest.measure.KernelHashes;
import dev.cloister.attest.measure.LaunchDescription;
import dev.cloister.attest.measure.LaunchDescriptionJson;
import dev.cloister.attest.measure.MeasurementException;
import dev.cloister.attest.measure.OvmfImage;
import dev.cloister.attest.measure.VcpuType;
import dev.cloister.attest.measure.VmmType;
import dev.cloister.ledger.entry.TdxRuntime;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister cvm}: tools for the confidential VM image. */
@Command(
        name = "cvm",
        mixinStandardHelpOptions = true,
        description = "Confidential VM image tools.",
        subcommands = {CvmCommand.Measure.class})
public final class CvmCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code cloister cvm measure}: the SEV-SNP launch digest (the report's MEASUREMENT) of a direct-boot launch, from
     * the binaries or from a published launch description, and TDX RTMR1/RTMR2 when asked. Exit 0 with the values,
     * 1 with a one-line reason.
     */
    @Command(
            name = "measure",
            mixinStandardHelpOptions = true,
            description = "Compute the SEV-SNP launch measurement of a direct boot (OVMF + kernel + initrd + command "
                    + "line, vCPUs, vCPU type, guest features) from the files or from a launch description; "
                    + "optionally TDX RTMR1/RTMR2.")
    static final class Measure implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        static final class Source {
            @ArgGroup(exclusive = false)
            Binaries files;

            @Option(
                    names = "--launch-inputs",
                    required = true,
                    description = "A launch description (JSON, the keys of the attest README) instead of the files")
            Path launchInputs;
        }

        static final class Binaries {
            @Option(names = "--ovmf", required = true, description = "OVMF firmware image (AmdSev build)")
            Path ovmf;

            @Option(names = "--kernel", description = "Kernel (direct boot; QEMU -kernel)")
            Path kernel;

            @Option(names = "--initrd", description = "Initrd (QEMU -initrd)")
            Path initrd;

            @Option(names = "--cmdline", description = "Kernel command line as appended (QEMU -append)")
            String cmdline;

            @Option(names = "--vcpus", required = true, description = "Number of vCPUs (1-512)")
            int vcpus;

            @Option(names = "--vcpu-type", description = "QEMU CPU model, e.g. EPYC-v4 (required for --vmm qemu)")
            String vcpuType;

            @Option(names = "--guest-features", required = true, description = "SEV_FEATURES in hex, e.g. 0x1")
            String guestFeatures;

            @Option(
                    names = "--snp-ovmf-hash",
                    description = "Launch digest after the full OVMF's pages (96 hex), "
                            + "when --ovmf is only the end of the file")
            String ovmfHash;
        }

        @Option(names = "--vmm", defaultValue = "qemu", description = "qemu | ec2 | gce (default: ${DEFAULT-VALUE})")
        String vmm;

        @Option(names = "--json", description = "Print JSON (with the launch description) instead of text")
        boolean json;

        @Option(names = "--write-launch-inputs", description = "Also write the launch description to this file")
        Path writeLaunchInputs;

        @Option(
                names = "--tdx",
                description = "Also print TDX RTMR1 (the kernel's Authenticode digest as QEMU patches it) and RTMR2 "
                        + "(command line and initrd) of a QEMU direct boot")
        boolean tdx;

        @Option(
                names = "--tdx-memory",
                defaultValue = "4G",
                description = "With --tdx: the TD's memory (QEMU -m), where QEMU puts the initrd (default: "
                        + "${DEFAULT-VALUE})")
        String tdxMemory;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                VmmType vmmType = VmmType.parse(vmm);
                LaunchDescription d = source.launchInputs != null
                        ? LaunchDescriptionJson.parse(readBounded(source.launchInputs, LaunchDescriptionJson.MAX_BYTES))
                        : fromFiles(source.files);
                byte[] digest = d.snpLaunchDigest(vmmType);
                JsonObject tdxValues = tdx ? tdx() : null;
                String description = LaunchDescriptionJson.write(d);
                if (writeLaunchInputs != null) {
                    java.nio.file.Files.writeString(writeLaunchInputs, description + "\n");
                }
                String hex = HexFormat.of().formatHex(digest);
                if (json) {
                    JsonObject o = new JsonObject()
                            .put("sev_snp_launch_digest", hex)
                            .put("vmm", vmmType.cliName())
                            .put("launch_description", new JsonObject(description));
                    if (tdxValues != null) {
                        o.put("tdx", tdxValues);
                    }
                    out.println(o.encodePrettily());
                } else {
                    out.println("sev-snp launch digest (" + vmmType.cliName() + ", " + d.vcpus() + " vCPU"
                            + (d.vcpus() == 1 ? "" : "s") + ", guest features 0x" + Long.toHexString(d.guestFeatures())
                            + "): " + hex);
                    if (tdxValues != null) {
                        for (String key : tdxValues.fieldNames()) {
                            out.println("tdx " + key + ": " + tdxValues.getString(key));
                        }
                    }
                }
                out.flush();
                return 0;
            } catch (MeasurementException | IOException | IllegalArgumentException e) {
                err.println("cloister cvm measure: " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        private static LaunchDescription fromFiles(Binaries f) throws IOException, MeasurementException {
            if (f.kernel == null && (f.initrd != null || f.cmdline != null)) {
                throw new IllegalArgumentException("--initrd and --cmdline need --kernel (they are measured through "
                        + "the kernel hashes table)");
            }
            String features = f.guestFeatures.toLowerCase(java.util.Locale.ROOT);
            if (!features.matches("0x[0-9a-f]{1,16}")) {
                throw new IllegalArgumentException(
                        "--guest-features: \"" + f.guestFeatures + "\" is not a hex value like 0x1");
            }
            OvmfImage ovmf = OvmfImage.parse(readBounded(f.ovmf, OvmfImage.MAX_SIZE));
            Optional<KernelHashes> kernel = f.kernel == null
                    ? Optional.empty()
                    : Optional.of(KernelHashes.ofFiles(f.kernel, f.initrd, f.cmdline));
            Optional<VcpuType> type = f.vcpuType == null ? Optional.empty() : Optional.of(VcpuType.parse(f.vcpuType));
            long guestFeatures = Long.parseUnsignedLong(features.substring(2), 16);
            if (f.ovmfHash != null) {
                if (!f.ovmfHash.matches("[0-9a-fA-F]{96}")) {
                    throw new IllegalArgumentException("--snp-ovmf-hash must be 96 hex digits");
                }
                return LaunchDescription.ofImage(
                        ovmf,
                        HexFormat.of().parseHex(f.ovmfHash.toLowerCase(java.util.Locale.ROOT)),
                        kernel,
                        f.vcpus,
                        type,
                        guestFeatures);
            }
            return LaunchDescription.ofImage(ovmf, kernel, f.vcpus, type, guestFeatures);
        }

        private JsonObject tdx() throws IOException, MeasurementException {
            Binaries f = source.files;
            if (f == null || f.kernel == null || f.initrd == null) {
                throw new IllegalArgumentException(
                        "--tdx needs --kernel, --initrd and --cmdline (RTMR1 measures the kernel, RTMR2 the others)");
            }
            TdxRuntime t = ReleaseImage.tdxRuntime(
                    f.kernel,
                    f.initrd,
                    f.cmdline == null ? "" : f.cmdline,
                    ReleaseCommand.Publish.memorySize(tdxMemory));
            return new JsonObject()
                    .put("rtmr1", t.rtmr1().hex())
                    .put("rtmr2", t.rtmr2().hex());
        }

        private static byte[] readBounded(Path file, int max) throws IOException {
            long size = java.nio.file.Files.size(file);
            if (size > max) {
                throw new IOException(file + ": " + size + " bytes, more than " + max);
            }
            return java.nio.file.Files.readAllBytes(file);
        }
    }
}
