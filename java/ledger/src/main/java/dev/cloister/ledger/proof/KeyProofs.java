package dev.cloister.ledger.proof;

import dev.cloister.ledger.FormatException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A document of ledger proofs for published keys: one {@code .tlog-proof} (c2sp.org/tlog-proof) per key, whose
 * {@code extra} data is the canonical ledger entry the proof is for. A key directory serves one beside
 * {@code application/ohttp-keys} at {@code /ohttp-keys/proofs} ({@code OhttpKeyConfigEntry}, type 0x02, and the
 * enclave releases, type 0x01); the issuer serves one at {@code /token-key-proofs} ({@code IssuerKeyEntry}, type 0x03).
 *
 * <p>Encoding ({@value #MEDIA_TYPE}): the proofs one after the other, each preceded by its length as a 4-byte
 * big-endian unsigned integer. At most {@value #MAX_PROOFS} proofs of at most {@link TlogProof#MAX_SIZE} bytes, at
 * most {@value #MAX_DOCUMENT_BYTES} bytes in all.
 */
public record KeyProofs(List<TlogProof> proofs) {

    public static final String MEDIA_TYPE = "application/cloister-key-proofs";
    public static final int MAX_PROOFS = 64;
    /** The most an encoded document may weigh (clients read no more of an answer). */
    public static final int MAX_DOCUMENT_BYTES = 8 << 20;

    public KeyProofs {
        if (proofs.size() > MAX_PROOFS) {
            throw new IllegalArgumentException(proofs.size() + " key proofs, at most " + MAX_PROOFS);
        }
        for (TlogProof proof : proofs) {
            if (proof.extra().isEmpty()) {
                throw new IllegalArgumentException("a key proof must carry its ledger entry as extra data");
            }
        }
        proofs = List.copyOf(proofs);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (TlogProof proof : proofs) {
            byte[] bytes = proof.encode();
            out.write(bytes.length >>> 24);
            out.write(bytes.length >>> 16);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** Parses the document; every length is checked before anything is allocated. */
    public static KeyProofs decode(byte[] bytes) throws FormatException {
        if (bytes.length > MAX_DOCUMENT_BYTES) {
            throw new FormatException(
                    "a key proof document of " + bytes.length + " bytes exceeds " + MAX_DOCUMENT_BYTES);
        }
        List<TlogProof> proofs = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            if (proofs.size() == MAX_PROOFS) {
                throw new FormatException("more than " + MAX_PROOFS + " key proofs");
            }
            if (bytes.length - at < 4) {
                throw new FormatException("truncated key proof length at byte " + at);
            }
            long length = ((bytes[at] & 0xffL) << 24)
                    | ((bytes[at + 1] & 0xff) << 16)
                    | ((bytes[at + 2] & 0xff) << 8)
                    | (bytes[at + 3] & 0xff);
            at += 4;
            if (length > TlogProof.MAX_SIZE || length > bytes.length - at) {
                throw new FormatException(
                        "key proof of " + length + " bytes at byte " + (at - 4) + " exceeds the document or the limit");
            }
            byte[] one = new byte[(int) length];
            System.arraycopy(bytes, at, one, 0, one.length);
            at += one.length;
            TlogProof proof = TlogProof.parse(one);
            if (proof.extra().isEmpty()) {
                throw new FormatException("key proof " + proofs.size() + " carries no ledger entry");
            }
            proofs.add(proof);
        }
        return new KeyProofs(proofs);
    }

    @Override
    public String toString() {
        return "KeyProofs[" + proofs.size() + "]";
    }
}
