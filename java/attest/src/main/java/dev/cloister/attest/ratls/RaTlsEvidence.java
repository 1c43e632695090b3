package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.merkle.InclusionProof;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;

/**
 * What an RA-TLS certificate carries in its critical extension {@value #OID} (RA-TLS.md, "Certificate extension"):
 *
 * <pre>
 * CloisterRaTlsEvidence ::= SEQUENCE {
 *   version       INTEGER (1),
 *   bundle        OCTET STRING,                    -- EvidenceBundle, canonical CBOR
 *   gpuFreshness  [0] EXPLICIT SEQUENCE {          -- present iff the bundle has GPU evidence
 *                     refreshedAtMillis INTEGER (0..2^63-1),
 *                     salt              OCTET STRING (SIZE (32)) } OPTIONAL,
 *   batch         [1] EXPLICIT SEQUENCE {          -- present iff the report is shared by a batch of handshakes
 *                     leafIndex INTEGER, treeSize INTEGER (1..MAX_BATCH),
 *                     path      SEQUENCE SIZE (0..MAX_PATH) OF OCTET STRING (SIZE (32)) } OPTIONAL }
 * </pre>
 *
 * DER only: {@link #decode} refuses anything whose re-encoding differs, and is bounded before it allocates.
 *
 * @param bundle the evidence
 * @param gpuFreshness when the GPU evidence was requested (with the bundle's GPU evidence only)
 * @param batch this handshake's place in the batch Merkle tree (RFC 9162 inclusion proof), when batched
 */
public record RaTlsEvidence(
        EvidenceBundle bundle, Optional<GpuFreshness> gpuFreshness, Optional<InclusionProof> batch) {

    /**
     * The extension's OID: a UUID-derived OID under the ITU-T X.667 arc 2.25 (no registration needed), from UUID
     * 68156a34-1bc0-4d0d-9ee5-34abecd3b449.
     */
    public static final String OID = "2.25.138350903859531492877024363083686196297";

    static final ASN1ObjectIdentifier ASN1_OID = new ASN1ObjectIdentifier(OID);
    /** Largest encoded extension value accepted: a full bundle plus room for the other fields. */
    public static final int MAX_ENCODED = EvidenceBundle.MAX_ENCODED + 4096;
    /** Largest batch (leaves in one Merkle tree). */
    public static final int MAX_BATCH = 4096;
    /** Longest path for {@link #MAX_BATCH} leaves. */
    public static final int MAX_PATH = 12;

    public RaTlsEvidence {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(gpuFreshness, "gpuFreshness");
        Objects.requireNonNull(batch, "batch");
        if (gpuFreshness.isPresent() != bundle.gpu().isPresent()) {
            throw new IllegalArgumentException("GPU freshness comes with GPU evidence, and only with it");
        }
        batch.ifPresent(b -> {
            if (b.treeSize() > MAX_BATCH || b.hashes().size() > MAX_PATH) {
                throw new IllegalArgumentException("batch of " + b.treeSize() + " leaves / path of "
                        + b.hashes().size() + " hashes exceeds " + MAX_BATCH + " / " + MAX_PATH);
            }
        });
    }

    public byte[] encode() {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(1));
        v.add(new DEROctetString(bundle.encode()));
        gpuFreshness.ifPresent(f -> v.add(new DERTaggedObject(true, 0, new DERSequence(new ASN1Encodable[] {
            new ASN1Integer(f.refreshedAt().toEpochMilli()),
            new DEROctetString(f.salt().toByteArray())
        }))));
        batch.ifPresent(b -> {
            ASN1EncodableVector path = new ASN1EncodableVector();
            b.hashes().forEach(h -> path.add(new DEROctetString(h.toByteArray())));
            v.add(new DERTaggedObject(true, 1, new DERSequence(new ASN1Encodable[] {
                new ASN1Integer(b.leafIndex()), new ASN1Integer(b.treeSize()), new DERSequence(path)
            })));
        });
        try {
            return new DERSequence(v).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding to memory failed", e);
        }
    }

    /**
     * Parses the extension value strictly.
     *
     * @throws RaTlsException {@link RaTlsException.Reason#MALFORMED_EVIDENCE} with what is wrong
     */
    public static RaTlsEvidence decode(byte[] encoded) throws RaTlsException {
        if (encoded == null || encoded.length == 0 || encoded.length > MAX_ENCODED) {
            throw malformed("extension value missing or larger than " + MAX_ENCODED + " bytes", null);
        }
        try {
            ASN1Primitive p;
            try (ASN1InputStream in = new ASN1InputStream(encoded)) {
                p = in.readObject();
                if (p == null || in.readObject() != null) {
                    throw malformed("not exactly one DER value", null);
                }
            }
            if (!Arrays.equals(p.getEncoded(ASN1Encoding.DER), encoded)) {
                throw malformed("not DER", null);
            }
            if (!(p instanceof ASN1Sequence seq) || seq.size() < 2 || seq.size() > 4) {
                throw malformed("not a SEQUENCE of 2 to 4 fields", null);
            }
            if (!(seq.getObjectAt(0) instanceof ASN1Integer version) || !version.hasValue(1)) {
                throw malformed("version is not 1", null);
            }
            if (!(seq.getObjectAt(1) instanceof ASN1OctetString bundleBytes)) {
                throw malformed("bundle is not an OCTET STRING", null);
            }
            EvidenceBundle bundle;
            try {
                bundle = EvidenceBundle.decode(bundleBytes.getOctets());
            } catch (AttestationException e) {
                throw malformed(e.getMessage(), e);
            }
            Optional<GpuFreshness> freshness = Optional.empty();
            Optional<InclusionProof> batch = Optional.empty();
            for (int i = 2; i < seq.size(); i++) {
                if (!(seq.getObjectAt(i) instanceof ASN1TaggedObject t)
                        || t.getTagClass() != BERTags.CONTEXT_SPECIFIC
                        || !t.isExplicit()) {
                    throw malformed("field " + i + " is not an explicit context-specific tag", null);
                }
                if (t.getTagNo() == 0 && i == 2) {
                    freshness = Optional.of(freshness(t.getExplicitBaseObject()));
                } else if (t.getTagNo() == 1 && batch.isEmpty()) {
                    batch = Optional.of(batch(t.getExplicitBaseObject()));
                } else {
                    throw malformed("unexpected field [" + t.getTagNo() + "] at position " + i, null);
                }
            }
            return new RaTlsEvidence(bundle, freshness, batch);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw malformed(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static GpuFreshness freshness(ASN1Encodable e) throws RaTlsException {
        if (!(e instanceof ASN1Sequence s)
                || s.size() != 2
                || !(s.getObjectAt(0) instanceof ASN1Integer at)
                || !(s.getObjectAt(1) instanceof ASN1OctetString salt)) {
            throw malformed("gpuFreshness is not SEQUENCE { INTEGER, OCTET STRING }", null);
        }
        BigInteger ms = at.getValue();
        if (ms.signum() < 0 || ms.bitLength() > 62 || salt.getOctets().length != GpuFreshness.SALT_LENGTH) {
            throw malformed("gpuFreshness time out of range or salt not 32 bytes", null);
        }
        return new GpuFreshness(Instant.ofEpochMilli(ms.longValueExact()), Bytes.of(salt.getOctets()));
    }

    private static InclusionProof batch(ASN1Encodable e) throws RaTlsException {
        if (!(e instanceof ASN1Sequence s)
                || s.size() != 3
                || !(s.getObjectAt(0) instanceof ASN1Integer index)
                || !(s.getObjectAt(1) instanceof ASN1Integer size)
                || !(s.getObjectAt(2) instanceof ASN1Sequence path)) {
            throw malformed("batch is not SEQUENCE { INTEGER, INTEGER, SEQUENCE }", null);
        }
        if (size.getValue().signum() <= 0
                || size.getValue().compareTo(BigInteger.valueOf(MAX_BATCH)) > 0
                || index.getValue().signum() < 0
                || index.getValue().compareTo(size.getValue()) >= 0) {
            throw malformed("batch index " + index.getValue() + " / size " + size.getValue() + " out of range", null);
        }
        if (path.size() > MAX_PATH) {
            throw malformed("batch path of " + path.size() + " hashes, at most " + MAX_PATH, null);
        }
        List<Bytes> hashes = new ArrayList<>(path.size());
        for (ASN1Encodable h : path) {
            if (!(h instanceof ASN1OctetString o) || o.getOctets().length != 32) {
                throw malformed("batch path element is not a 32-byte OCTET STRING", null);
            }
            hashes.add(Bytes.of(o.getOctets()));
        }
        return new InclusionProof(
                index.getValue().longValueExact(), size.getValue().longValueExact(), hashes);
    }

    private static RaTlsException malformed(String what, Throwable cause) {
        return new RaTlsException(
                RaTlsException.Reason.MALFORMED_EVIDENCE,
                "while decoding the RA-TLS evidence extension: " + what,
                cause);
    }
}
