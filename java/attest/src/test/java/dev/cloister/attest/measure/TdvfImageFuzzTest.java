package dev.cloister.attest.measure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class TdvfImageFuzzTest {

    private static final byte[] TDVF = TdxMeasureTest.syntheticTdvf();

    /**
     * The synthetic TDVF with fuzzer-chosen bytes over its descriptor and footer (or a fuzzer-chosen image): parsing
     * and MRTD either succeed or fail with a {@link MeasurementException}, and never read outside the image.
     */
    @FuzzTest
    void parsingAndMrtdFailOnlyWithMeasurementException(FuzzedDataProvider data) {
        byte[] image;
        if (data.consumeBoolean()) {
            image = data.consumeBytes(3 * 4096);
        } else {
            image = TDVF.clone();
            int edits = data.consumeInt(1, 16);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                int at = data.consumeInt(image.length - 512, image.length - 1);
                image[at] = data.consumeByte();
            }
        }
        try {
            TdvfImage tdvf = TdvfImage.parse(image);
            tdvf.mrtd(data.pickValue(TdvfImage.PageAddOrder.values()));
        } catch (MeasurementException refused) {
            // expected for malformed images
        }
    }
}
