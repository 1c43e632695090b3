package dev.cloister.ledger.proof;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * An offline-verifiable proof of inclusion, the {@code .tlog-proof} text format of c2sp.org/tlog-proof §"Format":
 * the header line, optional {@code extra} data, the entry {@code index}, the inclusion proof hashes (leaf sibling
 * first), an empty line, then the (cosigned) checkpoint verbatim.
 */
public record TlogProof(Optional<Bytes> extra, long index, List<Bytes> proof, SignedNote checkpoint) {

    /** The first line. */
    public static final String HEADER = "c2sp.org/tlog-proof@v1";
    /** Largest extra data accepted. */
    public static final int MAX_EXTRA = 64 * 1024;
    /** Largest proof file accepted. */
    public static final int MAX_SIZE = SignedNote.MAX_SIZE + 128 * 1024;

    public TlogProof {
        if (extra.isPresent() && extra.get().length() > MAX_EXTRA) {
            throw new IllegalArgumentException("extra data of " + extra.get().length() + " bytes");
        }
        if (index < 0) {
            throw new IllegalArgumentException("negative index " + index);
        }
        if (proof.size() > MerkleTree.MAX_PROOF_LENGTH) {
            throw new IllegalArgumentException("proof of " + proof.size() + " hashes");
        }
        proof = List.copyOf(proof);
        for (Bytes h : proof) {
            if (h.length() != TreeHash.SIZE) {
                throw new IllegalArgumentException("proof hash of " + h.length() + " bytes");
            }
        }
    }

    /** A proof from an inclusion proof and the signed checkpoint it was built against. */
    public static TlogProof of(InclusionProof inclusion, SignedNote checkpoint, Optional<Bytes> extra) {
        return new TlogProof(extra, inclusion.leafIndex(), inclusion.hashes(), checkpoint);
    }

    /** Parses a {@code .tlog-proof}; the checkpoint is parsed as a signed note but not verified. */
    public static TlogProof parse(byte[] bytes) throws FormatException {
        String context = "while parsing a tlog-proof";
        if (bytes.length > MAX_SIZE) {
            throw new FormatException(context + ": " + bytes.length + " bytes, more than " + MAX_SIZE);
        }
        int[] pos = {0};
        String line = nextLine(context, bytes, pos);
        if (!line.equals(HEADER)) {
            throw new FormatException(context + ": first line is not " + HEADER);
        }
        line = nextLine(context, bytes, pos);
        Optional<Bytes> extra = Optional.empty();
        if (line.startsWith("extra ")) {
            String b64 = line.substring(6);
            if (b64.length() > (MAX_EXTRA / 3 + 1) * 4) {
                throw new FormatException(context + ": extra data longer than " + MAX_EXTRA + " bytes");
            }
            try {
                byte[] e = Base64.getDecoder().decode(b64);
                if (!Base64.getEncoder().encodeToString(e).equals(b64)) {
                    throw new FormatException(context + ": non-canonical base64 in the extra line");
                }
                extra = Optional.of(Bytes.of(e));
            } catch (IllegalArgumentException e) {
                throw new FormatException(context + ": invalid base64 in the extra line", e);
            }
            line = nextLine(context, bytes, pos);
        }
        if (!line.startsWith("index ")) {
            throw new FormatException(context + ": no index line");
        }
        long index = Checkpoint.parseDecimal(context + ": index", line.substring(6));
        List<Bytes> hashes = new ArrayList<>();
        while (!(line = nextLine(context, bytes, pos)).isEmpty()) {
            if (hashes.size() == MerkleTree.MAX_PROOF_LENGTH) {
                throw new FormatException(context + ": more than " + MerkleTree.MAX_PROOF_LENGTH + " proof hashes");
            }
            hashes.add(Bytes.of(Checkpoint.decodeHash(context + ": proof hash " + hashes.size(), line)));
        }
        SignedNote checkpoint;
        try {
            checkpoint = SignedNote.parse(Arrays.copyOfRange(bytes, pos[0], bytes.length));
        } catch (FormatException e) {
            throw FormatException.context(context + ": the checkpoint", e);
        }
        return new TlogProof(extra, index, hashes, checkpoint);
    }

    private static String nextLine(String context, byte[] bytes, int[] pos) throws FormatException {
        int start = pos[0];
        int end = start;
        while (end < bytes.length && bytes[end] != '\n') {
            if (end - start > 2 * MAX_EXTRA) {
                throw new FormatException(context + ": line too long");
            }
            end++;
        }
        if (end == bytes.length) {
            throw new FormatException(context + ": truncated (no newline)");
        }
        pos[0] = end + 1;
        for (int i = start; i < end; i++) {
            if (bytes[i] < 0x20 || bytes[i] >= 0x7f) {
                throw new FormatException(context + ": non-printable byte in the header lines");
            }
        }
        return new String(bytes, start, end - start, StandardCharsets.US_ASCII);
    }

    /** The {@code .tlog-proof} bytes. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        extra.ifPresent(e -> sb.append("extra ")
                .append(Base64.getEncoder().encodeToString(e.toByteArray()))
                .append('\n'));
        sb.append("index ").append(index).append('\n');
        for (Bytes h : proof) {
            sb.append(Base64.getEncoder().encodeToString(h.toByteArray())).append('\n');
        }
        sb.append('\n');
        out.writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(checkpoint.encode());
        return out.toByteArray();
    }

    /**
     * Verifies the proof offline (c2sp.org/tlog-proof §"Verifying a tlog proof"): the checkpoint is signed by the
     * log's key for the expected origin (step 2), every cosignature by a known witness verifies and the policy's quorum
     * is met at {@code now} (step 3), and the inclusion proof binds {@code leafHash} to the checkpoint root (step 4).
     *
     * @param leafHash {@code SHA-256(0x00 || entry)}, computed by the caller from the entry (step 1)
     * @return the verified checkpoint
     */
    public Verified verify(byte[] leafHash, LogIdentity log, WitnessPolicy policy, Instant now) throws LedgerException {
        SignedCheckpoint signed = SignedCheckpoint.open(checkpoint, log, policy.witnesses());
        List<WitnessPolicy.Cosignature> cosignatures = policy.check(signed.note(), now);
        Checkpoint cp = signed.checkpoint();
        MerkleTree.verifyInclusion(
                index,
                cp.size(),
                leafHash,
                proof.stream().map(Bytes::toByteArray).toList(),
                cp.rootHash().toByteArray());
        return new Verified(signed, cosignatures, index);
    }

    /** What a successful {@link #verify} established. */
    public record Verified(SignedCheckpoint checkpoint, List<WitnessPolicy.Cosignature> cosignatures, long index) {}
}
