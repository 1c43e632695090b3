package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.RevocationCheck;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;

/**
 * Appraises NVIDIA GPU evidence: report structure; the device chain (ECDSA P-384/SHA-384, leaf first) to a trusted
 * root, cached by certificate fingerprints, valid at {@code now}; the report signature by the leaf over request ‖
 * response-without-signature; then the signed contents: the FWID in the opaque data must be one of the FWIDs in the
 * leaf's TCG DICE TcbInfo extension (2.23.133.5.4.1), and the request nonce must be the policy's.
 *
 * <p>When the policy names RIMs, every one must be for the report's driver or VBIOS version and match its blocks.
 */
public final class NvidiaGpuVerifier {

    static final String ECDSA_SHA384 = "1.2.840.10045.4.3.3";
    static final String DICE_TCB_INFO = "2.23.133.5.4.1";
    static final String SHA384_OID = "2.16.840.1.101.3.4.2.2";
    /** Critical extensions this verifier understands: basic constraints and key usage. */
    static final Set<String> KNOWN_CRITICAL = Set.of("2.5.29.19", "2.5.29.15");

    static final int MAX_CACHE = 4096;

    record Window(String subject, Instant notBefore, Instant notAfter) {}

    record VerifiedChain(
            String rootSha256,
            ECPublicKeyParameters leafKey,
            String leafSubject,
            List<Bytes> fwids,
            List<Window> windows) {}

    private final Map<String, VerifiedChain> cache = new ConcurrentHashMap<>();
    private final NvidiaOcsp ocsp = new NvidiaOcsp();

    private static java.security.cert.X509Certificate x509(byte[] der) throws AttestationException {
        try {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (java.security.GeneralSecurityException e) {
            throw new AttestationException("not an X.509 certificate", e);
        }
    }

    public int cachedChains() {
        return cache.size();
    }

    public void clearCache() {
        cache.clear();
    }

    public NvidiaGpuClaims verify(
            Instant now, NvidiaGpuEvidence evidence, NvidiaGpuEndorsements endorsements, NvidiaGpuPolicy policy)
            throws AttestationException {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsements, "endorsements");
        Objects.requireNonNull(policy, "policy");
        SpdmMeasurements report;
        try {
            report = SpdmMeasurements.parse(evidence.reportNoCopy());
        } catch (AttestationException e) {
            throw e.whileDoing("parsing the GPU SPDM report");
        }
        VerifiedChain chain;
        NvidiaRoot root;
        try {
            chain = chain(endorsements.chainNoCopy(), policy.trustedRoots());
            root = trusted(policy.trustedRoots(), chain.rootSha256());
            for (Window w : chain.windows()) {
                if (now.isBefore(w.notBefore()) || now.isAfter(w.notAfter())) {
                    throw new AttestationException(w.subject() + " is not valid at " + now + " (valid " + w.notBefore()
                            + " to " + w.notAfter() + ")");
                }
            }
        } catch (AttestationException e) {
            throw e.whileDoing("verifying the GPU device certificate chain");
        }
        try {
            if (!endorsements.ocspResponsesNoCopy().isEmpty()) {
                List<byte[]> ders = endorsements.chainNoCopy();
                for (int i = 0; i < ders.size() - 1; i++) {
                    ocsp.check(
                            now,
                            endorsements.ocspResponsesNoCopy().get(i),
                            x509(ders.get(i)),
                            x509(ders.get(i + 1)),
                            policy.ocsp());
                }
            } else if (policy.ocsp() instanceof RevocationCheck.Required) {
                throw new AttestationException("the policy requires OCSP responses for the device chain and none were "
                        + "supplied (RA-TLS: the bundle staples no gpu-ocsp)");
            }
        } catch (AttestationException e) {
            throw e.whileDoing("checking the GPU device certificates' OCSP responses");
        }
        byte[] rs = report.signature();
        byte[] digest = P384.sha384(report.rawBytes(), report.signedLength());
        if (!P384.verify(
                chain.leafKey(),
                digest,
                new BigInteger(1, Arrays.copyOfRange(rs, 0, 48)),
                new BigInteger(1, Arrays.copyOfRange(rs, 48, 96)))) {
            throw new AttestationException("while verifying the GPU report signature: ECDSA P-384 signature over the "
                    + "request and response does not verify with the leaf " + chain.leafSubject());
        }
        byte[] fwid;
        try {
            fwid = report.opaque(NvidiaOpaque.FWID)
                    .orElseThrow(() -> new AttestationException("no FWID in the opaque data"));
            boolean bound = false;
            for (Bytes f : chain.fwids()) {
                bound |= f.equalsConstantTime(fwid);
            }
            if (!bound) {
                throw AttestationException.mismatch(
                        "FWID against the leaf certificate's DICE TcbInfo",
                        chain.fwids().stream().map(Bytes::hex).toList(),
                        Hex.format(fwid));
            }
            if (policy.nonce() instanceof ReferenceValue.Digests d && !d.matches(report.requestNonce())) {
                throw AttestationException.mismatch("nonce", d, Hex.format(report.requestNonce()));
            }
        } catch (AttestationException e) {
            throw e.whileDoing("checking the signed GPU report");
        }
        String driver = report.opaque(NvidiaOpaque.DRIVER_VERSION)
                .map(NvidiaOpaque::ascii)
                .orElse(null);
        String vbios = report.opaque(NvidiaOpaque.VBIOS_VERSION)
                .map(NvidiaOpaque::vbios)
                .orElse(null);
        List<NvidiaRim> rims = switch (policy.measurements()) {
            case NvidiaGpuPolicy.MatchRims(var r) -> r;
            // Only the RIMs of this GPU's versions (a fleet's RIMs may hold other VBIOS versions), covering both.
            case NvidiaGpuPolicy.MatchDriverAndVbiosRims(var r) ->
                r.stream()
                        .filter(rim -> rim.colloquialVersion().equalsIgnoreCase(String.valueOf(driver))
                                || rim.colloquialVersion().equalsIgnoreCase(String.valueOf(vbios)))
                        .toList();
            case NvidiaGpuPolicy.MatchOneModel(var models) -> {
                matchOneModel(models, driver, vbios, report);
                yield List.of();
            }
            case NvidiaGpuPolicy.SkipMeasurements s -> List.of();
        };
        if (policy.measurements() instanceof NvidiaGpuPolicy.MatchDriverAndVbiosRims) {
            boolean driverRim =
                    rims.stream().anyMatch(r -> r.colloquialVersion().equalsIgnoreCase(String.valueOf(driver)));
            boolean vbiosRim =
                    rims.stream().anyMatch(r -> r.colloquialVersion().equalsIgnoreCase(String.valueOf(vbios)));
            if (!driverRim || !vbiosRim) {
                List<NvidiaRim> all = ((NvidiaGpuPolicy.MatchDriverAndVbiosRims) policy.measurements()).rims();
                throw new AttestationException("while comparing the GPU measurements with the RIMs: the RIMs ("
                        + all.stream().map(NvidiaRim::colloquialVersion).toList() + ") do not cover both the driver "
                        + driver + " and the VBIOS " + vbios);
            }
        }
        if (!rims.isEmpty()) {
            for (NvidiaRim rim : rims) {
                try {
                    String v = rim.colloquialVersion();
                    if (!v.equalsIgnoreCase(String.valueOf(driver)) && !v.equalsIgnoreCase(String.valueOf(vbios))) {
                        throw new AttestationException("the RIM is for version " + v + ", the report has driver "
                                + driver + " and VBIOS " + vbios);
                    }
                    rim.requireMatch(report);
                } catch (AttestationException e) {
                    throw e.whileDoing("comparing the GPU measurements with the RIM " + rim.colloquialVersion());
                }
            }
        }
        return new NvidiaGpuClaims(
                root.kind(), root.sha256(), chain.leafSubject(), driver, vbios, Bytes.of(fwid), report);
    }

    /**
     * The report's measurements against the RIMs of one GPU model: that model's driver RIM must be for the report's
     * driver version and one of its VBIOS RIMs for the report's VBIOS version, and both must match.
     *
     * @throws AttestationException naming, per model, why it did not match
     */
    private static void matchOneModel(
            List<NvidiaGpuPolicy.ModelRims> models, String driver, String vbios, SpdmMeasurements report)
            throws AttestationException {
        List<String> refused = new ArrayList<>();
        for (NvidiaGpuPolicy.ModelRims m : models) {
            String driverRim = m.driver().colloquialVersion();
            if (!driverRim.equalsIgnoreCase(String.valueOf(driver))) {
                refused.add(m.model() + ": its driver RIM is for " + driverRim + ", the report has driver " + driver);
                continue;
            }
            List<NvidiaRim> forVbios = m.vbios().stream()
                    .filter(r -> r.colloquialVersion().equalsIgnoreCase(String.valueOf(vbios)))
                    .toList();
            if (forVbios.isEmpty()) {
                refused.add(m.model() + ": no VBIOS RIM for VBIOS " + vbios + " (it names "
                        + m.vbios().stream().map(NvidiaRim::colloquialVersion).toList() + ")");
                continue;
            }
            try {
                m.driver().requireMatch(report);
            } catch (AttestationException e) {
                refused.add(m.model() + ": " + e.getMessage());
                continue;
            }
            for (NvidiaRim v : forVbios) {
                try {
                    v.requireMatch(report);
                    return;
                } catch (AttestationException e) {
                    refused.add(m.model() + ": " + e.getMessage());
                }
            }
        }
        throw new AttestationException("while comparing the GPU measurements with the RIMs: no GPU model has a driver "
                + "RIM and a VBIOS RIM that match this GPU (driver " + driver + ", VBIOS " + vbios + "): "
                + String.join("; ", refused));
    }

    private static NvidiaRoot trusted(List<NvidiaRoot> roots, String sha256) throws AttestationException {
        for (NvidiaRoot r : roots) {
            if (r.sha256().equals(sha256)) {
                return r;
            }
        }
        throw new AttestationException("the chain's root (SHA-256 " + sha256 + ") is not a root this policy trusts");
    }

    private VerifiedChain chain(List<byte[]> ders, List<NvidiaRoot> roots) throws AttestationException {
        StringBuilder key = new StringBuilder();
        List<byte[]> hashes = new ArrayList<>();
        for (byte[] d : ders) {
            byte[] h = sha256(d);
            hashes.add(h);
            key.append(Hex.format(h)).append('/');
        }
        VerifiedChain hit = cache.get(key.toString());
        if (hit != null) {
            return hit;
        }
        if (ders.size() < 2) {
            throw new AttestationException("a chain needs at least a leaf and a root, got " + ders.size());
        }
        // Refuse an untrusted root before any signature work.
        trusted(roots, Hex.format(hashes.getLast()));
        List<X509Certificate> certs = new ArrayList<>();
        for (byte[] d : ders) {
            certs.add(parse(d));
        }
        List<Window> windows = new ArrayList<>();
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            X509Certificate issuer = certs.get(Math.min(i + 1, certs.size() - 1));
            String name = c.getSubjectX500Principal().getName();
            Set<String> critical = c.getCriticalExtensionOIDs();
            if (critical != null && !KNOWN_CRITICAL.containsAll(critical)) {
                throw new AttestationException(name + ": unknown critical extensions " + critical);
            }
            if (!ECDSA_SHA384.equals(c.getSigAlgOID())) {
                throw AttestationException.mismatch(
                        name + ": signature algorithm", "ecdsa-with-SHA384", c.getSigAlgOID());
            }
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new AttestationException(name + ": issuer is not "
                        + issuer.getSubjectX500Principal().getName());
            }
            if (i > 0) {
                boolean[] ku = c.getKeyUsage();
                if (c.getBasicConstraints() < 0 || ku == null || !ku[5]) {
                    throw new AttestationException(name + ": not a CA certificate (basic constraints / keyCertSign)");
                }
            }
            byte[] tbs;
            try {
                tbs = c.getTBSCertificate();
            } catch (GeneralSecurityException e) {
                throw new AttestationException(name + ": unreadable", e);
            }
            ECPublicKeyParameters issuerKey = P384.key(
                    issuer.getPublicKey(), issuer.getSubjectX500Principal().getName());
            if (!P384.verifyDer(issuerKey, P384.sha384(tbs, tbs.length), c.getSignature())) {
                throw new AttestationException(name + ": ECDSA P-384 signature does not verify");
            }
            windows.add(new Window(
                    name, c.getNotBefore().toInstant(), c.getNotAfter().toInstant()));
        }
        X509Certificate leaf = certs.getFirst();
        boolean[] ku = leaf.getKeyUsage();
        if (ku == null || !ku[0]) {
            throw new AttestationException("leaf: key usage does not allow digitalSignature");
        }
        List<Bytes> fwids = fwids(leaf).stream().map(Bytes::of).toList();
        VerifiedChain v = new VerifiedChain(
                Hex.format(hashes.getLast()),
                P384.key(leaf.getPublicKey(), "leaf"),
                leaf.getSubjectX500Principal().getName(),
                fwids,
                List.copyOf(windows));
        if (cache.size() >= MAX_CACHE) {
            cache.clear();
        }
        cache.put(key.toString(), v);
        return v;
    }

    /** Every SEQUENCE {sha384 OID, OCTET STRING(48)} inside the leaf's DICE TcbInfo extension. */
    static List<byte[]> fwids(X509Certificate leaf) throws AttestationException {
        byte[] ext = leaf.getExtensionValue(DICE_TCB_INFO);
        if (ext == null) {
            throw new AttestationException("leaf: no TCG DICE TcbInfo extension (" + DICE_TCB_INFO + ")");
        }
        List<byte[]> out = new ArrayList<>();
        try {
            collect(ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets()), out, 0);
        } catch (IOException | RuntimeException e) {
            throw new AttestationException("leaf: malformed DICE TcbInfo extension", e);
        }
        if (out.isEmpty()) {
            throw new AttestationException("leaf: DICE TcbInfo extension holds no SHA-384 FWID");
        }
        return out;
    }

    private static void collect(ASN1Encodable e, List<byte[]> out, int depth) {
        if (depth > 8) {
            return;
        }
        if (e instanceof ASN1TaggedObject t) {
            collect(t.getBaseObject(), out, depth + 1);
        } else if (e instanceof ASN1Sequence s) {
            if (s.size() == 2
                    && s.getObjectAt(0) instanceof ASN1ObjectIdentifier oid
                    && SHA384_OID.equals(oid.getId())
                    && s.getObjectAt(1) instanceof ASN1OctetString o
                    && o.getOctets().length == 48) {
                out.add(o.getOctets());
                return;
            }
            for (ASN1Encodable c : s) {
                collect(c, out, depth + 1);
            }
        }
    }

    private static X509Certificate parse(byte[] der) throws AttestationException {
        try {
            ByteArrayInputStream in = new ByteArrayInputStream(der);
            X509Certificate c =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            if (in.available() != 0) {
                throw new AttestationException("trailing bytes after a certificate");
            }
            org.bouncycastle.asn1.x509.Certificate bc = org.bouncycastle.asn1.x509.Certificate.getInstance(der);
            if (bc.getSignature().getPadBits() != 0 || !Arrays.equals(bc.getEncoded("DER"), der)) {
                throw new AttestationException("certificate is not in DER");
            }
            return c;
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new AttestationException("not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(byte[] d) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
