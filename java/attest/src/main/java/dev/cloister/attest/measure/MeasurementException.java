package dev.cloister.attest.measure;

import java.io.Serial;

/**
 * A launch measurement cannot be computed from these inputs: a firmware image, launch description or VM shape is
 * malformed, out of bounds or inconsistent. The message names the field (and, for binary images, the byte offset) and
 * is one line; no input bytes beyond the offending number are echoed.
 */
public final class MeasurementException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    public MeasurementException(String reason) {
        super(reason);
    }

    public MeasurementException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** A malformed binary structure: {@code what} at byte {@code offset} of the image. */
    static MeasurementException at(String image, String what, long offset, String problem) {
        return new MeasurementException(
                image + ": " + what + " at offset 0x" + Long.toHexString(offset) + ": " + problem);
    }
}
