package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.RootKind;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * AMD's certificate chains, bundled as KDS served them ({@code /vcek/v1/<product>/cert_chain} and
 * {@code /vlek/v1/<product>/cert_chain}: ASK or ASVK first, then ARK). The ARK is checked against its pin when loaded;
 * the ASK and ASVK are only a convenience (used when evidence carries the VCEK alone) and are always re-verified.
 */
final class AmdRoots {

    /** The bundled chain of one product line. */
    record Bundled(TrustedArk ark, Bytes arkDer, Bytes askDer, Bytes asvkDer) {
        Bytes intermediateDer(SigningKey kind) {
            return kind == SigningKey.VCEK ? askDer : asvkDer;
        }
    }

    private static final Map<ProductLine, Bundled> BUNDLED = load();

    private AmdRoots() {}

    static Bundled bundled(ProductLine product) {
        return BUNDLED.get(product);
    }

    private static Map<ProductLine, Bundled> load() {
        Map<ProductLine, Bundled> m = new EnumMap<>(ProductLine.class);
        for (ProductLine p : ProductLine.values()) {
            String name = p.kdsName().toLowerCase(java.util.Locale.ROOT);
            try {
                List<byte[]> vcek = AmdCertificates.pemOrDerCertificates(resource(name + "_vcek_chain.pem"), name);
                List<byte[]> vlek = AmdCertificates.pemOrDerCertificates(resource(name + "_vlek_chain.pem"), name);
                if (vcek.size() != 2 || vlek.size() != 2 || !java.util.Arrays.equals(vcek.get(1), vlek.get(1))) {
                    throw new IllegalStateException("bundled AMD chains for " + p + " are not ASK/ASVK + one ARK");
                }
                X509Certificate ark = AmdCertificates.parseDer(vcek.get(1), "bundled ARK " + p);
                m.put(
                        p,
                        new Bundled(
                                new TrustedArk(p, RootKind.VENDOR, ark),
                                Bytes.of(vcek.get(1)),
                                Bytes.of(vcek.get(0)),
                                Bytes.of(vlek.get(0))));
            } catch (AttestationException e) {
                throw new IllegalStateException("bundled AMD chain for " + p + " is unreadable", e);
            }
        }
        return m;
    }

    private static byte[] resource(String file) {
        try (InputStream in = AmdRoots.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + file);
            }
            return in.readNBytes(AmdCertificates.MAX_PEM_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
