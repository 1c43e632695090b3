package dev.cloister.attest.measure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class AuthenticodeFuzzTest {

    private static final byte[] SIGNED = AuthenticodeTest.fixture("pe32plus-signed.efi");

    /**
     * A signed synthetic PE with fuzzer-chosen bytes in its headers and certificate table (or a fuzzer-chosen image),
     * then QEMU's setup-header patch: the digest is computed or refused with a {@link MeasurementException}, never
     * another exception, and never reads outside the image.
     */
    @FuzzTest
    void digestFailsOnlyWithMeasurementException(FuzzedDataProvider data) {
        byte[] image;
        if (data.consumeBoolean()) {
            image = data.consumeBytes(8 * 1024);
        } else {
            image = SIGNED.clone();
            int edits = data.consumeInt(1, 16);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                int at = data.consumeBoolean() ? data.consumeInt(0, 0x3ff) : data.consumeInt(0, image.length - 1);
                image[at] = data.consumeByte();
            }
            if (data.consumeBoolean()) {
                image = java.util.Arrays.copyOf(image, data.consumeInt(0, image.length));
            }
        }
        try {
            Authenticode.sha384(image);
        } catch (MeasurementException refused) {
            // expected for malformed images
        }
        try {
            QemuDirectBootKernel.authenticodeSha384(
                    image, data.consumeString(64), data.consumeLong(), data.consumeLong());
        } catch (MeasurementException refused) {
            // expected for malformed images and shapes
        }
    }
}
