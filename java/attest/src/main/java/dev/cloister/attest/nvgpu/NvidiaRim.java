package dev.cloister.attest.nvgpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.crypto.KeySelector;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * An NVIDIA Reference Integrity Manifest: an ISO/IEC 19770-2 SWID tag (TCG RIM information model) holding golden
 * SHA-384 values for the GPU's SPDM measurement blocks, enveloped-signed with XMLDSig (ECDSA P-384, C14N 1.1), its
 * signer chain in {@code ds:KeyInfo}, rooted at NVIDIA's "CoRIM signing Root CA" (pinned).
 *
 * <p>Security: the XML is parsed with DOCTYPEs refused and secure processing on, and the signature is validated with
 * the JDK's secure validation; only the enveloped signature over the whole document (Reference URI "") is accepted.
 */
public final class NvidiaRim {

    /** SHA-256 of NVIDIA's CoRIM signing Root CA certificate (DER), from NVIDIA/nvtrust verifier_RIM_root.pem. */
    public static final String RIM_ROOT_SHA256 = "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

    public static final int MAX_RIM_BYTES = 1 << 20;
    static final String SWID_NS = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
    static final String SHA384_NS = "http://www.w3.org/2001/04/xmlenc#sha384";
    static final String ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    private static final X509Certificate RIM_ROOT = loadRoot();

    /** One golden measurement: RIM index i describes SPDM block i + 1. */
    public record Golden(int index, boolean active, List<Bytes> alternatives) {
        public Golden {
            alternatives = List.copyOf(alternatives);
        }
    }

    private final String colloquialVersion;
    private final String signerSubject;
    private final Map<Integer, Golden> measurements;

    private NvidiaRim(String colloquialVersion, String signerSubject, Map<Integer, Golden> measurements) {
        this.colloquialVersion = colloquialVersion;
        this.signerSubject = signerSubject;
        this.measurements = measurements;
    }

    /**
     * A RIM of these golden values that nobody signed, for tests of the comparison against a real report (no RIM in
     * the published vectors matches the captured report). Package-private: every RIM the product uses comes from
     * {@link #verify}.
     */
    static NvidiaRim unsignedForTests(String colloquialVersion, Map<Integer, Golden> measurements) {
        return new NvidiaRim(colloquialVersion, "unsigned (test)", Map.copyOf(measurements));
    }

    /** The pinned RIM root. */
    public static X509Certificate rimRoot() {
        return RIM_ROOT;
    }

    /** Verifies the RIM's XMLDSig and signer chain (to the pinned root, valid at {@code now}), then parses it. */
    public static NvidiaRim verify(Instant now, byte[] xml) throws AttestationException {
        try {
            return verifyUnchecked(now, xml);
        } catch (AttestationException e) {
            throw e.whileDoing("verifying an NVIDIA RIM");
        }
    }

    private static NvidiaRim verifyUnchecked(Instant now, byte[] xml) throws AttestationException {
        if (xml == null || xml.length > MAX_RIM_BYTES) {
            throw new AttestationException("RIM missing or larger than " + MAX_RIM_BYTES + " bytes");
        }
        Document doc = parse(xml);
        NodeList sigs = doc.getElementsByTagNameNS(XMLSignature.XMLNS, "Signature");
        if (sigs.getLength() != 1) {
            throw AttestationException.mismatch("ds:Signature elements", 1, sigs.getLength());
        }
        Element sigElement = (Element) sigs.item(0);
        if (sigElement.getParentNode() != doc.getDocumentElement()) {
            throw new AttestationException("ds:Signature is not a child of the root element (not enveloped)");
        }
        List<X509Certificate> chain = keyInfoChain(sigElement);
        X509Certificate signer = chain.getFirst();
        verifyChain(now, chain);
        try {
            XMLSignatureFactory f = XMLSignatureFactory.getInstance("DOM");
            DOMValidateContext ctx = new DOMValidateContext(
                    // The one key this signature may verify with: the KeyInfo leaf, already chain-verified.
                    KeySelector.singletonKeySelector(signer.getPublicKey()), sigElement);
            ctx.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
            XMLSignature sig = f.unmarshalXMLSignature(ctx);
            if (!ECDSA_SHA384.equals(sig.getSignedInfo().getSignatureMethod().getAlgorithm())) {
                throw AttestationException.mismatch(
                        "SignatureMethod",
                        ECDSA_SHA384,
                        sig.getSignedInfo().getSignatureMethod().getAlgorithm());
            }
            List<?> refs = sig.getSignedInfo().getReferences();
            if (refs.size() != 1 || !"".equals(((javax.xml.crypto.dsig.Reference) refs.getFirst()).getURI())) {
                throw new AttestationException("the signature must have exactly one Reference, to the whole document");
            }
            if (!sig.validate(ctx)) {
                throw new AttestationException("XMLDSig signature does not verify");
            }
        } catch (javax.xml.crypto.MarshalException | javax.xml.crypto.dsig.XMLSignatureException e) {
            throw new AttestationException("XMLDSig signature could not be checked: " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        if (!SWID_NS.equals(root.getNamespaceURI()) || !"SoftwareIdentity".equals(root.getLocalName())) {
            throw new AttestationException("root element is not a SWID SoftwareIdentity");
        }
        NodeList metas = root.getElementsByTagNameNS(SWID_NS, "Meta");
        String version = metas.getLength() == 1 ? ((Element) metas.item(0)).getAttribute("colloquialVersion") : "";
        Map<Integer, Golden> golden = new TreeMap<>();
        NodeList resources = root.getElementsByTagNameNS(SWID_NS, "Resource");
        for (int i = 0; i < resources.getLength(); i++) {
            Element r = (Element) resources.item(i);
            if (!"Measurement".equals(r.getAttribute("type"))) {
                continue;
            }
            int index;
            int n;
            try {
                index = Integer.parseInt(r.getAttribute("index"));
                n = Integer.parseInt(r.getAttribute("alternatives"));
            } catch (NumberFormatException e) {
                throw new AttestationException("RIM Resource with a bad index or alternatives count", e);
            }
            if (index < 0 || index > 254 || n < 1 || n > 16) {
                throw new AttestationException(
                        "RIM Resource index " + index + " / alternatives " + n + " out of range");
            }
            List<Bytes> alts = new ArrayList<>();
            for (int a = 0; a < n; a++) {
                String h = r.getAttributeNS(SHA384_NS, "Hash" + a);
                if (h.length() != 96) {
                    throw new AttestationException("RIM Resource " + index + " Hash" + a + " is not a SHA-384 value");
                }
                alts.add(Bytes.fromHex(h));
            }
            boolean active = "true".equals(r.getAttribute("active").toLowerCase(Locale.ROOT));
            if (golden.put(index, new Golden(index, active, alts)) != null) {
                throw new AttestationException("RIM has two Resources with index " + index);
            }
        }
        return new NvidiaRim(version, signer.getSubjectX500Principal().getName(), Collections.unmodifiableMap(golden));
    }

    /**
     * Compares the report's measurement blocks with this RIM: every active golden value at RIM index i must equal the
     * report's block i + 1, or one of its alternatives. RIM index 35 is skipped when the report says NVDEC0 is
     * disabled (opaque NVDEC0_STATUS 0x55), as NVIDIA's verifier does.
     */
    public void requireMatch(SpdmMeasurements report) throws AttestationException {
        Map<Integer, Bytes> actual = new TreeMap<>();
        for (SpdmMeasurements.Block b : report.blocks()) {
            actual.put(b.index(), b.value());
        }
        boolean nvdecDisabled = report.opaque(NvidiaOpaque.NVDEC0_STATUS)
                .map(v -> v.length == 1 && v[0] == 0x55)
                .orElse(false);
        List<String> mismatches = new ArrayList<>();
        for (Golden g : measurements.values()) {
            if (!g.active() || (g.index() == 35 && nvdecDisabled)) {
                continue;
            }
            Bytes a = actual.get(g.index() + 1);
            boolean ok = a != null && g.alternatives().stream().anyMatch(h -> h.equalsConstantTime(a));
            if (!ok) {
                mismatches.add("RIM index " + g.index() + " (block " + (g.index() + 1) + "): expected one of "
                        + g.alternatives().stream().map(Bytes::hex).toList() + ", got "
                        + (a == null ? "no block" : a.hex()));
            }
        }
        if (!mismatches.isEmpty()) {
            throw new AttestationException("GPU measurements do not match the RIM " + colloquialVersion + ": "
                    + mismatches.size() + " mismatches, first " + mismatches.getFirst());
        }
    }

    public String colloquialVersion() {
        return colloquialVersion;
    }

    public String signerSubject() {
        return signerSubject;
    }

    public Map<Integer, Golden> measurements() {
        return measurements;
    }

    private static Document parse(byte[] xml) throws AttestationException {
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            dbf.setXIncludeAware(false);
            dbf.setExpandEntityReferences(false);
            DocumentBuilder db = dbf.newDocumentBuilder();
            db.setErrorHandler(null);
            return db.parse(new ByteArrayInputStream(xml));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new AttestationException("RIM is not well-formed XML (or has a DOCTYPE): " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> keyInfoChain(Element sig) throws AttestationException {
        NodeList certs = sig.getElementsByTagNameNS(XMLSignature.XMLNS, "X509Certificate");
        if (certs.getLength() < 2 || certs.getLength() > 8) {
            throw new AttestationException("ds:KeyInfo holds " + certs.getLength() + " certificates, expected 2 to 8");
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (int i = 0; i < certs.getLength(); i++) {
                byte[] der = Base64.getMimeDecoder().decode(certs.item(i).getTextContent());
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new AttestationException("ds:KeyInfo certificate unreadable", e);
        }
        return out;
    }

    private static void verifyChain(Instant now, List<X509Certificate> chain) throws AttestationException {
        X509Certificate last = chain.getLast();
        if (!RIM_ROOT_SHA256.equals(NvidiaRoot.sha256(last))) {
            throw new AttestationException("RIM signer chain does not end in NVIDIA's pinned CoRIM signing Root CA "
                    + "(SHA-256 " + NvidiaRoot.sha256(last) + ")");
        }
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            X509Certificate issuer = chain.get(Math.min(i + 1, chain.size() - 1));
            String name = c.getSubjectX500Principal().getName();
            if (now.isBefore(c.getNotBefore().toInstant())
                    || now.isAfter(c.getNotAfter().toInstant())) {
                throw new AttestationException("RIM signer chain: " + name + " is not valid at " + now + " (valid "
                        + c.getNotBefore().toInstant() + " to "
                        + c.getNotAfter().toInstant() + ")");
            }
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new AttestationException("RIM signer chain: " + name + " is not issued by the next certificate");
            }
            if (i > 0 && c.getBasicConstraints() < 0) {
                throw new AttestationException("RIM signer chain: " + name + " is not a CA");
            }
            try {
                c.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new AttestationException("RIM signer chain: " + name + " signature does not verify", e);
            }
        }
    }

    private static X509Certificate loadRoot() {
        try (InputStream in = NvidiaRim.class.getResourceAsStream("verifier_RIM_root.pem")) {
            if (in == null) {
                throw new IllegalStateException("missing resource verifier_RIM_root.pem");
            }
            byte[] der = NvidiaGpuEndorsements.ofPem(in.readNBytes(16 * 1024))
                    .chainNoCopy()
                    .getFirst();
            X509Certificate c = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            if (!RIM_ROOT_SHA256.equals(NvidiaRoot.sha256(c))) {
                throw new IllegalStateException("bundled RIM root does not match its pin");
            }
            return c;
        } catch (IOException | GeneralSecurityException | AttestationException e) {
            throw new IllegalStateException("bundled NVIDIA RIM root is unreadable", e);
        }
    }
}
