package dev.cloister.attest.measure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;

class OvmfImageFuzzTest {

    private static final byte[] AMD_SEV = MeasureNegativeTest.amdSev();
    private static final KernelHashes KERNEL = new KernelHashes(
            dev.cloister.base.Bytes.of(new byte[32]), dev.cloister.base.Bytes.of(new byte[32]), "console=ttyS0");

    /**
     * The real AmdSev image's last page with fuzzer-chosen bytes written over it (or a whole fuzzer-chosen image):
     * parsing and measuring either succeed or fail with a {@link MeasurementException}; nothing else (no other
     * exception, no hang, no allocation beyond the bounds).
     */
    @FuzzTest
    void parsingAndMeasuringFailOnlyWithMeasurementException(FuzzedDataProvider data) {
        byte[] image;
        if (data.consumeBoolean()) {
            image = data.consumeBytes(3 * 4096);
        } else {
            image = AMD_SEV.clone();
            int edits = data.consumeInt(1, 16);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                // Most structure lies in the last 512 bytes: aim there half of the time.
                int at = data.consumeBoolean()
                        ? data.consumeInt(image.length - 512, image.length - 1)
                        : data.consumeInt(0, image.length - 1);
                image[at] = data.consumeByte();
            }
        }
        try {
            OvmfImage ovmf = OvmfImage.parse(image);
            int vcpus = data.consumeInt(0, 8);
            Optional<KernelHashes> kernel = data.consumeBoolean() ? Optional.of(KERNEL) : Optional.empty();
            LaunchDescription d =
                    LaunchDescription.ofImage(ovmf, kernel, vcpus, Optional.of(VcpuType.EPYC_V4), data.consumeLong());
            d.snpLaunchDigest(data.pickValue(VmmType.values()));
            SevLaunchDigest.sevEs(ovmf, kernel, vcpus, Optional.of(VcpuType.EPYC_V4), VmmType.QEMU);
        } catch (MeasurementException refused) {
            // expected for malformed images and shapes
        }
    }
}
