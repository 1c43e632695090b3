package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An NVIDIA Hopper attestation report: the SPDM 1.1 GET_MEASUREMENTS request followed by the MEASUREMENTS response
 * (DMTF DSP0274 1.1, §10.11), with NVIDIA's opaque data (NVIDIA/nvtrust local_gpu_verifier {@code spdm_msrt_*_msg.py}).
 * {@link #parse} checks the structure only; nothing in it may be trusted before the signature is verified.
 */
public final class SpdmMeasurements {

    static final int SPDM_1_1 = 0x11;
    static final int GET_MEASUREMENTS = 0xE0;
    static final int MEASUREMENTS = 0x60;
    /** Request: version, code, param1, param2, nonce[32], slot id. */
    public static final int REQUEST_LENGTH = 37;

    static final int NONCE = 32;
    static final int SIGNATURE = 96;
    /** Real reports may end with a few zero bytes after the signature (LAYOUT.md); more, or non-zero, is refused. */
    static final int MAX_TRAILING_ZEROS = 8;
    /** A report larger than this is refused before parsing (an H100 report is about 4 KiB). */
    public static final int MAX_REPORT = 64 * 1024;

    static final int DMTF_SPEC = 1;

    /** One DMTF measurement block. */
    public record Block(int index, int dmtfType, Bytes value) {}

    private final byte[] report;
    private final int signedLength;
    private final byte[] requestNonce;
    private final byte[] responseNonce;
    private final int requestParam2;
    private final List<Block> blocks;
    private final Map<Integer, byte[]> opaque;

    private SpdmMeasurements(
            byte[] report,
            int signedLength,
            byte[] requestNonce,
            byte[] responseNonce,
            int requestParam2,
            List<Block> blocks,
            Map<Integer, byte[]> opaque) {
        this.report = report;
        this.signedLength = signedLength;
        this.requestNonce = requestNonce;
        this.responseNonce = responseNonce;
        this.requestParam2 = requestParam2;
        this.blocks = blocks;
        this.opaque = opaque;
    }

    public static SpdmMeasurements parse(byte[] input) throws AttestationException {
        if (input == null) {
            throw new AttestationException("SPDM report: missing");
        }
        if (input.length > MAX_REPORT) {
            throw new AttestationException(
                    "SPDM report: " + input.length + " bytes exceeds the limit of " + MAX_REPORT);
        }
        byte[] r = input.clone();
        if (r.length < REQUEST_LENGTH + 8) {
            throw new AttestationException("SPDM report: " + r.length + " bytes is too short");
        }
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        expect(r[0], SPDM_1_1, "request SPDMVersion");
        expect(r[1], GET_MEASUREMENTS, "request code (GET_MEASUREMENTS)");
        if ((r[2] & 1) != 1) {
            throw new AttestationException("SPDM report: request Param1 does not ask for a signature");
        }
        int param2 = r[3] & 0xff;
        byte[] requestNonce = Arrays.copyOfRange(r, 4, 4 + NONCE);
        if (r[36] != 0) {
            throw new AttestationException("SPDM report: request SlotIDParam " + (r[36] & 0xff) + ", expected 0");
        }
        int p = REQUEST_LENGTH;
        expect(r[p], SPDM_1_1, "response SPDMVersion");
        expect(r[p + 1], MEASUREMENTS, "response code (MEASUREMENTS)");
        int numberOfBlocks = r[p + 4] & 0xff;
        int l1 = (r[p + 5] & 0xff) | (r[p + 6] & 0xff) << 8 | (r[p + 7] & 0xff) << 16;
        int recordStart = p + 8;
        long recordEnd = (long) recordStart + l1;
        if (recordEnd + NONCE + 2 > r.length) {
            throw new AttestationException("SPDM report: MeasurementRecordLength " + l1 + " runs past the end");
        }
        List<Block> blocks = new ArrayList<>();
        int q = recordStart;
        while (q < recordEnd) {
            if (q + 4 > recordEnd) {
                throw new AttestationException("SPDM report: truncated measurement block header at " + q);
            }
            int index = r[q] & 0xff;
            int spec = r[q + 1] & 0xff;
            int size = b.getShort(q + 2) & 0xffff;
            if (spec != DMTF_SPEC) {
                throw new AttestationException(
                        "SPDM report: block " + index + " MeasurementSpecification " + spec + ", expected 1 (DMTF)");
            }
            if (q + 4L + size > recordEnd || size < 3) {
                throw new AttestationException(
                        "SPDM report: block " + index + " of " + size + " bytes runs past the " + "record");
            }
            int type = r[q + 4] & 0xff;
            int valueSize = b.getShort(q + 5) & 0xffff;
            if (valueSize != size - 3) {
                throw AttestationException.mismatch(
                        "SPDM report: block " + index + " DMTF value size", size - 3, valueSize);
            }
            if (!blocks.isEmpty() && index <= blocks.getLast().index()) {
                throw new AttestationException("SPDM report: block indices not increasing at " + index);
            }
            blocks.add(new Block(index, type, Bytes.of(r, q + 7, q + 4 + size)));
            q += 4 + size;
        }
        if (blocks.size() != numberOfBlocks) {
            throw AttestationException.mismatch("SPDM report: NumberOfBlocks", numberOfBlocks, blocks.size());
        }
        int n = (int) recordEnd;
        byte[] responseNonce = Arrays.copyOfRange(r, n, n + NONCE);
        int l2 = b.getShort(n + NONCE) & 0xffff;
        int opaqueStart = n + NONCE + 2;
        long signedLength = (long) opaqueStart + l2;
        if (signedLength + SIGNATURE > r.length) {
            throw new AttestationException("SPDM report: OpaqueLength " + l2 + " leaves no room for the signature");
        }
        Map<Integer, byte[]> opaque = new LinkedHashMap<>();
        int o = opaqueStart;
        while (o < signedLength) {
            if (o + 4 > signedLength) {
                throw new AttestationException("SPDM report: truncated opaque data entry at " + o);
            }
            int type = b.getShort(o) & 0xffff;
            int size = b.getShort(o + 2) & 0xffff;
            if (o + 4L + size > signedLength) {
                throw new AttestationException("SPDM report: opaque entry " + type + " runs past OpaqueLength");
            }
            if (opaque.put(type, Arrays.copyOfRange(r, o + 4, o + 4 + size)) != null) {
                throw new AttestationException("SPDM report: duplicate opaque entry " + type);
            }
            o += 4 + size;
        }
        int end = (int) signedLength + SIGNATURE;
        int trailing = r.length - end;
        if (trailing > MAX_TRAILING_ZEROS) {
            throw new AttestationException("SPDM report: " + trailing + " bytes after the signature");
        }
        for (int i = end; i < r.length; i++) {
            if (r[i] != 0) {
                throw new AttestationException("SPDM report: non-zero byte after the signature at " + i);
            }
        }
        return new SpdmMeasurements(
                r,
                (int) signedLength,
                requestNonce,
                responseNonce,
                param2,
                Collections.unmodifiableList(blocks),
                Collections.unmodifiableMap(opaque));
    }

    private static void expect(byte actual, int expected, String what) throws AttestationException {
        if ((actual & 0xff) != expected) {
            throw AttestationException.mismatch(
                    "SPDM report: " + what, String.format("0x%02x", expected), String.format("0x%02x", actual & 0xff));
        }
    }

    /** Request ‖ response up to (not including) the signature: what the GPU signed. */
    byte[] signedBytes() {
        return Arrays.copyOf(report, signedLength);
    }

    int signedLength() {
        return signedLength;
    }

    byte[] rawBytes() {
        return report;
    }

    /** r ‖ s, 48 bytes each, big-endian. */
    byte[] signature() {
        return Arrays.copyOfRange(report, signedLength, signedLength + SIGNATURE);
    }

    /** The verifier's nonce, as sent in the request. */
    public byte[] requestNonce() {
        return requestNonce.clone();
    }

    public byte[] responseNonce() {
        return responseNonce.clone();
    }

    public int requestParam2() {
        return requestParam2;
    }

    public List<Block> blocks() {
        return blocks;
    }

    /** The raw opaque data entries by type (a copy of each value). */
    public java.util.Optional<byte[]> opaque(int type) {
        byte[] v = opaque.get(type);
        return v == null ? java.util.Optional.empty() : java.util.Optional.of(v.clone());
    }

    public java.util.Set<Integer> opaqueTypes() {
        return opaque.keySet();
    }
}
