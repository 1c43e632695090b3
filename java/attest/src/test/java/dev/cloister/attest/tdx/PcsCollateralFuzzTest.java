package dev.cloister.attest.tdx;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;
import dev.cloister.testing.Vectors;
import java.security.cert.X509Certificate;

class PcsCollateralFuzzTest {

    private static final byte[] TCB_INFO =
            Vectors.read(Vectors.dir("tdx/go-tdx-guest").resolve("sample_tcbinfo_response_v5"));
    private static final byte[] QUOTE =
            Vectors.read(Vectors.dir("tdx/go-tdx-guest").resolve("quote_v5_sample.dat"));

    /**
     * Intel PCS responses (the real v5 TCB info with fuzzer-chosen edits, or a whole fuzzer-chosen input) through the
     * splitter, the TCB info and QE identity parsers (as if their signature had verified) and the TCB level
     * evaluation: each either gives a result or refuses with an {@link AttestationException}; nothing else (no other
     * exception, no hang, no unbounded allocation).
     */
    @FuzzTest
    void pcsResponsesParseOrAreRefused(FuzzedDataProvider data) throws Exception {
        byte[] body;
        if (data.consumeBoolean()) {
            body = data.consumeRemainingAsBytes();
        } else {
            body = TCB_INFO.clone();
            int edits = data.consumeInt(1, 8);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                body[data.consumeInt(0, body.length - 1)] = data.consumeByte();
            }
        }
        try {
            PcsSignedBody split = PcsSignedBody.split(body, "tcbInfo");
            TcbInfo info = TcbInfo.parse(split.signedBytes().toByteArray());
            TdxQuote q = TdxQuote.parse(QUOTE);
            X509Certificate pck = new IntelSgxPki().certificate(q.pckChain().getFirst());
            info.evaluate(PckExtensions.of(pck), q.teeTcbSvn(), q.mrSignerSeam(), q.seamAttributes());
        } catch (AttestationException refused) {
            // a refusal is a correct outcome
        }
        try {
            QeIdentity.parse(body);
        } catch (AttestationException refused) {
            // a refusal is a correct outcome
        }
    }
}
