package dev.cloister.ledger.witness;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The body of a c2sp.org/tlog-witness {@code POST <prefix>/add-checkpoint}: {@code old <size>}, at most 63 consistency
 * proof lines (base64), an empty line, then the signed checkpoint.
 */
public record AddCheckpointRequest(long oldSize, List<Bytes> proof, SignedNote checkpoint) {

    /** Most proof lines a client may send. */
    public static final int MAX_PROOF_LINES = 63;

    public AddCheckpointRequest {
        if (oldSize < 0) {
            throw new IllegalArgumentException("negative old size");
        }
        if (proof.size() > MAX_PROOF_LINES) {
            throw new IllegalArgumentException(proof.size() + " proof lines, more than 63");
        }
        proof = List.copyOf(proof);
        for (Bytes h : proof) {
            if (h.length() != TreeHash.SIZE) {
                throw new IllegalArgumentException("proof hash of " + h.length() + " bytes");
            }
        }
    }

    /** Parses a request body; the checkpoint is parsed as a signed note but not verified. */
    public static AddCheckpointRequest parse(byte[] body) throws FormatException {
        String context = "while parsing an add-checkpoint request";
        if (body.length > SignedNote.MAX_SIZE + 4096) {
            throw new FormatException(context + ": " + body.length + " bytes");
        }
        int pos = 0;
        List<String> lines = new ArrayList<>();
        while (true) {
            int end = pos;
            while (end < body.length && body[end] != '\n' && end - pos <= 64) {
                end++;
            }
            if (end == body.length || body[end] != '\n') {
                throw new FormatException(context + ": header line unterminated or too long");
            }
            String line = new String(body, pos, end - pos, StandardCharsets.US_ASCII);
            pos = end + 1;
            if (line.isEmpty()) {
                break;
            }
            if (lines.size() > MAX_PROOF_LINES) {
                throw new FormatException(context + ": more than 63 proof lines");
            }
            lines.add(line);
        }
        if (lines.isEmpty() || !lines.getFirst().startsWith("old ")) {
            throw new FormatException(context + ": no old size line");
        }
        long old =
                Checkpoint.parseDecimal(context + ": old size", lines.getFirst().substring(4));
        List<Bytes> proof = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            proof.add(Bytes.of(Checkpoint.decodeHash(context + ": proof line " + i, lines.get(i))));
        }
        SignedNote note;
        try {
            note = SignedNote.parse(Arrays.copyOfRange(body, pos, body.length));
        } catch (FormatException e) {
            throw FormatException.context(context, e);
        }
        return new AddCheckpointRequest(old, proof, note);
    }

    /** The request body. */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder("old ").append(oldSize).append('\n');
        for (Bytes h : proof) {
            sb.append(Base64.getEncoder().encodeToString(h.toByteArray())).append('\n');
        }
        sb.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(checkpoint.encode());
        return out.toByteArray();
    }
}
