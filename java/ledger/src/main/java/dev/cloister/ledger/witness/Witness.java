package dev.cloister.ledger.witness;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.AddCheckpointException;
import dev.cloister.ledger.AddCheckpointException.Status;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.NoteSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The decision logic of a c2sp.org/tlog-witness witness, without HTTP: {@link #addCheckpoint} checks a request
 * against the latest checkpoint cosigned for its log, in exactly the order and with the outcomes of
 * §"add-checkpoint", records the new checkpoint (compare-and-set, so concurrent requests cannot roll the witness back)
 * and returns the cosignature. A server maps {@link AddCheckpointException#status()} to the HTTP status.
 */
public final class Witness {

    private final Cosigner cosigner;
    private final Map<String, LogIdentity> logs;
    private final CheckpointStore latest;

    /**
     * @param logs the logs this witness follows, each with its origin and key
     * @param latest where the latest cosigned checkpoint of each log is kept (durable for a real witness)
     */
    public Witness(Cosigner cosigner, List<LogIdentity> logs, CheckpointStore latest) {
        this.cosigner = cosigner;
        this.logs = logs.stream().collect(Collectors.toUnmodifiableMap(LogIdentity::origin, Function.identity()));
        this.latest = latest;
    }

    public Cosigner cosigner() {
        return cosigner;
    }

    /** Handles one add-checkpoint request body; returns the response body (signature lines). */
    public byte[] addCheckpoint(byte[] body, Instant now) throws AddCheckpointException, IOException {
        AddCheckpointRequest request;
        try {
            request = AddCheckpointRequest.parse(body);
        } catch (FormatException e) {
            throw new AddCheckpointException(Status.BAD_REQUEST, e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(addCheckpoint(request, now).line().getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Handles one parsed add-checkpoint request; returns this witness's cosignature. */
    public NoteSignature addCheckpoint(AddCheckpointRequest request, Instant now)
            throws AddCheckpointException, IOException {
        // The origin selects the key; nothing else of the text is read before the signature verifies.
        byte[] text = request.checkpoint().text();
        int nl = 0;
        while (nl < text.length && text[nl] != '\n') {
            nl++;
        }
        String origin = new String(text, 0, nl, StandardCharsets.UTF_8);
        LogIdentity log = logs.get(origin);
        if (log == null) {
            throw new AddCheckpointException(Status.NOT_FOUND, "unknown log origin '" + origin + "'");
        }
        Checkpoint cp;
        try {
            cp = SignedCheckpoint.open(request.checkpoint(), log, List.of()).checkpoint();
        } catch (NoteVerificationException e) {
            throw new AddCheckpointException(Status.FORBIDDEN, e.getMessage(), e);
        } catch (FormatException e) {
            throw new AddCheckpointException(Status.BAD_REQUEST, e.getMessage(), e);
        }
        if (request.oldSize() > cp.size()) {
            throw new AddCheckpointException(
                    Status.BAD_REQUEST, "old size " + request.oldSize() + " above the checkpoint size " + cp.size());
        }
        Optional<Checkpoint> known = latest.get(origin);
        long knownSize = known.map(Checkpoint::size).orElse(0L);
        if (request.oldSize() != knownSize) {
            throw AddCheckpointException.conflict(
                    "old size " + request.oldSize() + ", latest cosigned size " + knownSize, knownSize);
        }
        if (cp.size() == 0 && !cp.rootHash().equalsConstantTime(TreeHash.emptyRoot())) {
            throw new AddCheckpointException(Status.UNPROCESSABLE, "size 0 with a root that is not the empty tree's");
        }
        if (request.oldSize() == 0) {
            if (!request.proof().isEmpty()) {
                throw new AddCheckpointException(Status.UNPROCESSABLE, "old size 0 needs an empty proof");
            }
        } else {
            try {
                MerkleTree.verifyConsistency(
                        request.oldSize(),
                        cp.size(),
                        request.proof().stream().map(Bytes::toByteArray).toList(),
                        known.get().rootHash().toByteArray(),
                        cp.rootHash().toByteArray());
            } catch (ProofException e) {
                throw new AddCheckpointException(Status.UNPROCESSABLE, e.getMessage(), e);
            }
        }
        if (!latest.compareAndSet(origin, known, cp)) {
            long now2 = latest.get(origin).map(Checkpoint::size).orElse(0L);
            throw AddCheckpointException.conflict("a concurrent request advanced " + origin + " to " + now2, now2);
        }
        return cosigner.cosign(request.checkpoint().text(), now);
    }
}
