package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of sev-snp-measure's {@code tests/test_guest.py} (testdata/vectors/cvm-measure/sev-snp-measure): SEV-SNP
 * under QEMU, EC2 and GCE, guest features 0x1 and 0x21, 1 and 4 vCPUs, with and without a kernel, SEV-ES and SEV, and
 * the three cases that must fail because the OVMF cannot measure a kernel.
 */
class SevSnpMeasureVectorsTest {

    static final String DIR = "cvm-measure/sev-snp-measure";
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    static List<JsonNode> vectors() {
        return Vectors.list(Vectors.json(DIR, "launch-digests.json"));
    }

    @Test
    void allTwentySixCasesAreThere() {
        assertEquals(26, vectors().size());
        assertEquals(
                3,
                vectors().stream()
                        .filter(v -> !v.get("expected").textValue().matches("[0-9a-f]+"))
                        .count());
    }

    @TestFactory
    Stream<DynamicTest> everyVector() {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode v : vectors()) {
            tests.add(DynamicTest.dynamicTest(
                    i++ + " " + Vectors.str(v, "test") + " " + Vectors.str(v, "function"), () -> check(v)));
        }
        return tests.stream();
    }

    private static void check(JsonNode v) throws Exception {
        OvmfImage ovmf = OvmfImage.parse(Vectors.read(Vectors.file(DIR + "/" + Vectors.str(v, "ovmf"))));
        String expected = Vectors.str(v, "expected");
        if (Vectors.str(v, "function").equals("calc_snp_ovmf_hash")) {
            assertEquals(expected, Vectors.hex(LaunchDescription.ovmfPagesDigest(ovmf)));
            return;
        }
        Optional<KernelHashes> kernel = kernel(v);
        int vcpus = v.get("vcpus").intValue();
        Optional<VcpuType> vcpuType = v.get("vcpu_sig").isNull()
                ? Optional.empty()
                : Optional.of(VcpuType.parse(v.get("vcpu_sig").textValue()));
        long features = v.get("guest_features").longValue();
        VmmType vmm = v.has("vmm_type") ? VmmType.parse(v.get("vmm_type").textValue()) : VmmType.QEMU;
        boolean fails = !expected.matches("[0-9a-f]+");
        Measure measure = () -> switch (Vectors.str(v, "mode")) {
            case "SEV_SNP" -> {
                LaunchDescription d = v.has("snp_ovmf_hash_str")
                                && v.get("snp_ovmf_hash_str").textValue().matches("[0-9a-f]{96}")
                        ? LaunchDescription.ofImage(
                                ovmf, Vectors.hex(v, "snp_ovmf_hash_str"), kernel, vcpus, vcpuType, features)
                        : LaunchDescription.ofImage(ovmf, kernel, vcpus, vcpuType, features);
                yield d.snpLaunchDigest(vmm);
            }
            case "SEV_ES" -> SevLaunchDigest.sevEs(ovmf, kernel, vcpus, vcpuType, vmm);
            case "SEV" -> SevLaunchDigest.sev(ovmf, kernel);
            default -> throw new AssertionError("unknown mode " + Vectors.str(v, "mode"));
        };
        if (fails) {
            MeasurementException e = assertThrows(MeasurementException.class, measure::run);
            String phrase =
                    expected.contains("SNP_KERNEL_HASHES") ? "SNP_KERNEL_HASHES" : "kernel/initrd/cmdline measurement";
            assertTrue(e.getMessage().contains(phrase), e.getMessage());
        } else {
            assertEquals(expected, Vectors.hex(measure.run()));
        }
    }

    /** {@code /dev/null} is an empty file; null is "not given". */
    static Optional<KernelHashes> kernel(JsonNode v) {
        if (v.get("kernel").isNull()) {
            return Optional.empty();
        }
        assertEquals("/dev/null", v.get("kernel").textValue());
        assertTrue(v.get("initrd").isNull() || v.get("initrd").textValue().equals("/dev/null"));
        String cmdline = v.get("append").isNull() ? "" : v.get("append").textValue();
        return Optional.of(new KernelHashes(
                dev.cloister.base.Bytes.of(Vectors.hex(EMPTY_SHA256)),
                dev.cloister.base.Bytes.of(Vectors.hex(EMPTY_SHA256)),
                cmdline));
    }

    @FunctionalInterface
    interface Measure {
        byte[] run() throws MeasurementException;
    }
}
