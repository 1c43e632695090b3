package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.util.Objects;

/**
 * The enclave that must have signed a quote's attestation key: its QE report's MRSIGNER and ISVPRODID, and its
 * MISCSELECT and ATTRIBUTES under their masks. Checked on every quote, with or without PCS collateral, so that a
 * quote signed by any other enclave on a genuine platform is refused.
 */
public record QuotingEnclave(
        Bytes mrSigner, int isvProdId, Bytes miscSelect, Bytes miscSelectMask, Bytes attributes, Bytes attributesMask) {

    public QuotingEnclave {
        Objects.requireNonNull(mrSigner, "mrSigner");
        if (mrSigner.length() != 32) throw new IllegalArgumentException("MRSIGNER is 32 bytes");
        if (isvProdId < 0 || isvProdId > 0xffff) throw new IllegalArgumentException("ISVPRODID is 16 bits");
        if (miscSelect.length() != 4 || miscSelectMask.length() != 4) {
            throw new IllegalArgumentException("MISCSELECT and its mask are 4 bytes");
        }
        if (attributes.length() != 16 || attributesMask.length() != 16) {
            throw new IllegalArgumentException("ATTRIBUTES and its mask are 16 bytes");
        }
    }

    /**
     * Intel's TD quoting enclave as Intel's signed QE identity for {@code TD_QE} names it (the PCS response in
     * {@code testdata/vectors/tdx/go-tdx-guest/sample_qeIdentity_response}, whose signature {@code TdxCollateralTest}
     * verifies against Intel's TCB Signing certificate): MRSIGNER dc9e2a7c…, ISVPRODID 2, MISCSELECT 0 under
     * ffffffff, ATTRIBUTES 11… under fbffffffffffffff0….
     */
    public static QuotingEnclave intelTdQe() {
        return new QuotingEnclave(
                Bytes.fromHex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5"),
                2,
                Bytes.fromHex("00000000"),
                Bytes.fromHex("ffffffff"),
                Bytes.fromHex("11000000000000000000000000000000"),
                Bytes.fromHex("fbffffffffffffff0000000000000000"));
    }

    /** Checks a QE report (the 384-byte SGX REPORT body, its signature already verified). */
    void check(byte[] qeReport) throws AttestationException {
        Bytes signer = Bytes.of(qeReport, QeIdentity.MRSIGNER, QeIdentity.MRSIGNER + 32);
        if (!signer.equals(mrSigner)) {
            throw AttestationException.mismatch("QE MRSIGNER", mrSigner.hex(), signer.hex());
        }
        int prodId = (qeReport[QeIdentity.ISVPRODID] & 0xff) | (qeReport[QeIdentity.ISVPRODID + 1] & 0xff) << 8;
        if (prodId != isvProdId) {
            throw AttestationException.mismatch("QE ISVPRODID", isvProdId, prodId);
        }
        masked("QE MISCSELECT", qeReport, QeIdentity.MISCSELECT, miscSelectMask, miscSelect);
        masked("QE ATTRIBUTES", qeReport, QeIdentity.ATTRIBUTES, attributesMask, attributes);
    }

    private static void masked(String what, byte[] report, int offset, Bytes mask, Bytes expected)
            throws AttestationException {
        byte[] m = new byte[mask.length()];
        for (int i = 0; i < m.length; i++) m[i] = (byte) (report[offset + i] & mask.get(i));
        if (!expected.contentEquals(m)) {
            throw AttestationException.mismatch(
                    what + " under the mask", expected.hex(), Bytes.of(m).hex());
        }
    }
}
