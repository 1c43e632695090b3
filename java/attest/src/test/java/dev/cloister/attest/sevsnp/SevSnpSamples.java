package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The real SEV-SNP samples of testdata/vectors/sev-snp, as listed in its EXPECTED.json. */
final class SevSnpSamples {

    /**
     * The fixed verification time (STYLE.md principle 4). Every certificate in the samples is valid then: the VCEKs
     * from 2022-09-24 and 2023-04-03 to 2029/2030, the ARKs and ASKs to 2045-2048.
     */
    static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");

    record Sample(String name, byte[] report, byte[] signingCert, byte[] askArk, Map<String, Object> expected) {
        @Override
        public byte[] report() {
            return report.clone();
        }

        @Override
        public byte[] signingCert() {
            return signingCert.clone();
        }

        @Override
        public byte[] askArk() {
            return askArk.clone();
        }

        SevSnpEvidence evidence() {
            return SevSnpEvidence.of(report);
        }

        SevSnpEndorsements endorsements() throws AttestationException {
            return SevSnpEndorsements.of(signingCert, askArk);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> fields() {
            return (Map<String, Object>) expected.get("fields");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private SevSnpSamples() {}

    static Path dir() {
        return Vectors.dir("sev-snp");
    }

    @SuppressWarnings("unchecked")
    static List<Sample> all() {
        Path dir = dir();
        List<Object> entries = (List<Object>)
                Json.parse(new String(Vectors.read(dir.resolve("EXPECTED.json")), StandardCharsets.UTF_8));
        if (entries.isEmpty()) {
            throw new AssertionError("EXPECTED.json lists no samples");
        }
        return entries.stream()
                .map(o -> {
                    Map<String, Object> e = (Map<String, Object>) o;
                    return new Sample(
                            (String) e.get("report"),
                            Vectors.read(dir.resolve((String) e.get("report"))),
                            Vectors.read(dir.resolve((String) e.get("signing_cert"))),
                            Vectors.read(dir.resolve((String) e.get("ask_ark"))),
                            e);
                })
                .toList();
    }

    static Sample byName(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
