package dev.cloister.attest.tdx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.io.IOException;

/**
 * An Intel PCS response of the form {@code {"<name>": <object>, "signature": "<hex r‖s>"}} (TCB info, enclave
 * identity), split into the <em>exact bytes</em> of {@code <object>} as they appear in the response (what Intel's
 * ECDSA P-256 / SHA-256 signature covers; the JSON is never re-serialised) and the 64-byte signature. Only the
 * structure is read here: the signed object is parsed after its signature has been checked.
 *
 * @param signedBytes the bytes of the signed object, from its '{' to its '}' inclusive
 * @param signature r ‖ s, 32 bytes each, big-endian
 */
record PcsSignedBody(Bytes signedBytes, Bytes signature) {

    /** Real responses are a few KiB; anything larger is refused before parsing. */
    static final int MAX_BYTES = 256 * 1024;

    static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(16)
                    .maxStringLength(64 * 1024)
                    .maxNumberLength(20)
                    .build())
            .build();

    static PcsSignedBody split(byte[] response, String name) throws AttestationException {
        if (response.length > MAX_BYTES) {
            throw new AttestationException(
                    name + " response: " + response.length + " bytes exceeds the limit of " + MAX_BYTES);
        }
        int start = -1;
        int end = -1;
        String sigHex = null;
        try (JsonParser p = JSON.createParser(response)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AttestationException(name + " response is not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new AttestationException(name + " response: malformed object");
                }
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals(name) && v == JsonToken.START_OBJECT) {
                    start = Math.toIntExact(p.currentTokenLocation().getByteOffset());
                    p.skipChildren();
                    end = Math.toIntExact(p.currentTokenLocation().getByteOffset()) + 1;
                } else if (field.equals("signature") && v == JsonToken.VALUE_STRING) {
                    sigHex = p.getText();
                } else {
                    throw new AttestationException(
                            name + " response: unexpected field \"" + TcbStatus.bounded(field) + "\" (or wrong type)");
                }
            }
            if (p.nextToken() != null) {
                throw new AttestationException(name + " response: bytes after the JSON object");
            }
        } catch (IOException e) {
            throw new AttestationException(name + " response is not valid JSON: " + e.getMessage(), e);
        }
        if (start < 0 || sigHex == null) {
            throw new AttestationException(name + " response needs both \"" + name + "\" and \"signature\"");
        }
        if (start >= end || end > response.length || response[start] != '{' || response[end - 1] != '}') {
            throw new AttestationException(name + " response: cannot locate the signed object's bytes");
        }
        byte[] sig;
        try {
            sig = Hex.parse(sigHex);
        } catch (IllegalArgumentException e) {
            throw new AttestationException(name + " signature is not hex", e);
        }
        if (sig.length != 64) {
            throw AttestationException.mismatch(name + " signature length", 64, sig.length);
        }
        return new PcsSignedBody(Bytes.of(response, start, end), Bytes.of(sig));
    }
}
