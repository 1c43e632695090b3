package dev.cloister.attest.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Intel's signed identity of the TD quoting enclave (PCS "Enclave Identity" v4 API for TDX, {@code enclaveIdentity}
 * version 2, id {@code "TD_QE"}), parsed after its signature was verified (see {@link TdxCollateral}).
 *
 * @param issueDate when Intel issued it
 * @param nextUpdate after this it is expired and refused
 * @param miscSelect MISCSELECT under {@code miscSelectMask} must equal this (4 bytes, in report byte order)
 * @param attributes ATTRIBUTES under {@code attributesMask} must equal this (16 bytes)
 * @param mrSigner the QE's MRSIGNER (32 bytes)
 * @param isvProdId the QE's ISVPRODID
 * @param tcbLevels highest ISVSVN first
 */
public record QeIdentity(
        Instant issueDate,
        Instant nextUpdate,
        int tcbEvaluationDataNumber,
        Bytes miscSelect,
        Bytes miscSelectMask,
        Bytes attributes,
        Bytes attributesMask,
        Bytes mrSigner,
        int isvProdId,
        List<Level> tcbLevels) {

    /** A QE TCB level: ISVSVN at least {@code isvSvn}. */
    public record Level(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
        public Level {
            advisoryIds = List.copyOf(advisoryIds);
        }
    }

    public QeIdentity {
        tcbLevels = List.copyOf(tcbLevels);
    }

    static final int MISCSELECT = 16;
    static final int ATTRIBUTES = 48;
    static final int MRSIGNER = 128;
    static final int ISVPRODID = 256;
    static final int ISVSVN = 258;

    static QeIdentity parse(byte[] signedObject) throws AttestationException {
        JsonNode o = PcsJson.parse(signedObject, "QE identity");
        String id = PcsJson.string(o, "id");
        if (!id.equals("TD_QE")) {
            throw AttestationException.mismatch("QE identity id", "TD_QE", TcbStatus.bounded(id));
        }
        int version = PcsJson.integer(o, "version", 1000);
        if (version != 2) {
            throw AttestationException.mismatch("QE identity version", 2, version);
        }
        List<Level> levels = new ArrayList<>();
        for (JsonNode l : PcsJson.array(o, "tcbLevels", 1, 1024)) {
            levels.add(new Level(
                    PcsJson.integer(PcsJson.field(l, "tcb"), "isvsvn", 65535),
                    PcsJson.instant(l, "tcbDate"),
                    TcbStatus.fromPcsName(PcsJson.string(l, "tcbStatus")),
                    PcsJson.advisories(l)));
        }
        return new QeIdentity(
                PcsJson.instant(o, "issueDate"),
                PcsJson.instant(o, "nextUpdate"),
                PcsJson.integer(o, "tcbEvaluationDataNumber", Integer.MAX_VALUE),
                Bytes.of(PcsJson.hex(o, "miscselect", 4)),
                Bytes.of(PcsJson.hex(o, "miscselectMask", 4)),
                Bytes.of(PcsJson.hex(o, "attributes", 16)),
                Bytes.of(PcsJson.hex(o, "attributesMask", 16)),
                Bytes.of(PcsJson.hex(o, "mrsigner", 32)),
                PcsJson.integer(o, "isvprodid", 65535),
                List.copyOf(levels));
    }

    /**
     * Appraises the QE report (384-byte SGX REPORT body, its signature already verified) against this identity:
     * {@link #checkIdentity the identity}, then the first TCB level whose ISVSVN ≤ the report's gives the QE's status.
     * No such level: not supported, refused.
     */
    public Level evaluate(byte[] qeReport) throws AttestationException {
        checkIdentity(qeReport);
        int svn = u16(qeReport, ISVSVN);
        for (Level l : tcbLevels) {
            if (svn >= l.isvSvn()) {
                return l;
            }
        }
        throw new AttestationException(
                "QE ISVSVN " + svn + " is below every TCB level of the QE identity: " + "not supported");
    }

    /** MRSIGNER and ISVPRODID equal, MISCSELECT and ATTRIBUTES equal under their masks. */
    void checkIdentity(byte[] qeReport) throws AttestationException {
        if (!mrSigner.contentEquals(Arrays.copyOfRange(qeReport, MRSIGNER, MRSIGNER + 32))) {
            throw AttestationException.mismatch(
                    "QE MRSIGNER", mrSigner.hex(), Hex.format(qeReport, MRSIGNER, MRSIGNER + 32));
        }
        int prodId = u16(qeReport, ISVPRODID);
        if (prodId != isvProdId) {
            throw AttestationException.mismatch("QE ISVPRODID", isvProdId, prodId);
        }
        masked("QE MISCSELECT", qeReport, MISCSELECT, miscSelectMask, miscSelect);
        masked("QE ATTRIBUTES", qeReport, ATTRIBUTES, attributesMask, attributes);
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    private static void masked(String what, byte[] report, int off, Bytes mask, Bytes expected)
            throws AttestationException {
        byte[] m = new byte[mask.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (report[off + i] & mask.get(i));
        }
        if (!expected.contentEquals(m)) {
            throw AttestationException.mismatch(what + " under the mask", expected.hex(), Hex.format(m));
        }
    }
}
