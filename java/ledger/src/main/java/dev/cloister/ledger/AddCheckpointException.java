package dev.cloister.ledger;

import java.util.OptionalLong;

/**
 * A witness's refusal of a c2sp.org/tlog-witness {@code add-checkpoint} request, with the HTTP status the protocol
 * assigns to it and, for a conflict, the size of the latest checkpoint the witness cosigned.
 */
public final class AddCheckpointException extends LedgerException {

    /** The outcomes tlog-witness §"add-checkpoint" names, with their HTTP status codes. */
    public enum Status {
        /** Malformed request, or old size above the checkpoint size. */
        BAD_REQUEST(400),
        /** No valid signature by a trusted key for the origin, or an invalid one. */
        FORBIDDEN(403),
        /** Unknown checkpoint origin. */
        NOT_FOUND(404),
        /** The old size is not the size of the latest cosigned checkpoint; see {@link #latestSize()}. */
        CONFLICT(409),
        /** The consistency proof does not verify, or the roots differ at equal sizes, or size 0 with a wrong root. */
        UNPROCESSABLE(422);

        private final int httpStatus;

        Status(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Status status;
    private final long latestSize;

    public AddCheckpointException(Status status, String message, Throwable cause) {
        super(status + ": " + message, cause);
        if (status == Status.CONFLICT) {
            throw new IllegalArgumentException("a conflict needs the latest size");
        }
        this.status = status;
        this.latestSize = -1;
    }

    public AddCheckpointException(Status status, String message) {
        this(status, message, null);
    }

    /** A {@link Status#CONFLICT} with the size of the latest cosigned checkpoint. */
    public static AddCheckpointException conflict(String message, long latestSize) {
        return new AddCheckpointException(message, latestSize);
    }

    private AddCheckpointException(String message, long latestSize) {
        super(Status.CONFLICT + ": " + message);
        this.status = Status.CONFLICT;
        this.latestSize = latestSize;
    }

    public Status status() {
        return status;
    }

    /** For {@link Status#CONFLICT}: the size to send back as {@code text/x.tlog.size}. */
    public OptionalLong latestSize() {
        return status == Status.CONFLICT ? OptionalLong.of(latestSize) : OptionalLong.empty();
    }
}
