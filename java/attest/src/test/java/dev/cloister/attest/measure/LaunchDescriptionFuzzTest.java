package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

class LaunchDescriptionFuzzTest {

    private static final String VALID;

    static {
        try {
            VALID = LaunchDescriptionJson.write(LaunchDescriptionJsonTest.amdSev(
                    Optional.of(new KernelHashes(
                            dev.cloister.base.Bytes.of(new byte[32]),
                            dev.cloister.base.Bytes.of(new byte[32]),
                            "console=ttyS0")),
                    2,
                    1));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A valid description with fuzzer-chosen characters written over it (or fuzzer-chosen text): the reader either
     * refuses it with a {@link MeasurementException} or returns a description that writes back to JSON which reads
     * as the same description, and whose launch digest can be computed.
     */
    @FuzzTest
    void readerFailsOnlyWithMeasurementExceptionAndRoundTrips(FuzzedDataProvider data) {
        byte[] json;
        if (data.consumeBoolean()) {
            json = data.consumeRemainingAsBytes();
        } else {
            byte[] text = VALID.getBytes(StandardCharsets.UTF_8);
            int edits = data.consumeInt(1, 6);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                text[data.consumeInt(0, text.length - 1)] = (byte) data.consumeInt(0x20, 0x7e);
            }
            json = text;
        }
        try {
            LaunchDescription d = LaunchDescriptionJson.parse(json);
            assertEquals(
                    d,
                    LaunchDescriptionJson.parse(LaunchDescriptionJson.write(d).getBytes(StandardCharsets.UTF_8)));
            if (d.vcpuType().isPresent()) {
                d.snpLaunchDigest(VmmType.QEMU);
            }
        } catch (MeasurementException refused) {
            // expected for malformed descriptions
        }
    }
}
