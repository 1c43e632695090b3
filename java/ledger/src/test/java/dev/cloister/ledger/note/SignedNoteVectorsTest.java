package dev.cloister.ledger.note;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** signed-note-vectors.json: golang/mod, C2SP examples, the real sum.golang.org tree head, Rekor and Pixel ECDSA notes. */
class SignedNoteVectorsTest {

    private static Map<String, Object> vectors;

    @BeforeAll
    static void load() throws Exception {
        vectors = Json.object(Files.readString(Vectors.dir("tlog").resolve("signed-note/signed-note-vectors.json")));
        assertEquals(8, vectors.size());
    }

    @SuppressWarnings("unchecked")
    private static String field(String vector, String name) {
        return (String) ((Map<String, Object>) vectors.get(vector)).get(name);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void peterNeumannVkeySkeyAndDeterministicSignature() throws Exception {
        String v = "golang-mod-PeterNeumann";
        VerifierKey vkey = VerifierKey.parse(field(v, "vkey"));
        assertEquals("PeterNeumann", vkey.name());
        assertEquals(0xc74f20a3, vkey.keyId());
        assertEquals(SignatureType.ED25519, vkey.type());
        assertEquals(field(v, "vkey"), vkey.encode());

        Ed25519NoteSigner signer = Ed25519NoteSigner.parse(field(v, "skey"));
        assertEquals(field(v, "skey"), signer.encodeSecret());
        assertEquals(field(v, "vkey"), signer.verifier().toString());
        assertEquals(0xc74f20a3, signer.keyId());

        SignedNote signed = SignedNote.sign(field(v, "text"), List.of(signer));
        assertEquals(field(v, "signed_note"), new String(signed.encode(), StandardCharsets.UTF_8));

        Note note = SignedNote.parse(bytes(field(v, "signed_note"))).open(List.of(vkey.noteVerifier()));
        assertEquals(field(v, "text"), note.text());
        assertEquals(1, note.verified().size());
        assertTrue(note.unverified().isEmpty());
        assertTrue(!signer.toString().contains(field(v, "skey").substring(30)), "toString must not show the secret");
    }

    @Test
    void twoSignersAndUnknownSignaturesIgnored() throws Exception {
        String v = "golang-mod-EnochRoot";
        NoteVerifier enoch = VerifierKey.parse(field(v, "vkey")).noteVerifier();
        NoteVerifier peter =
                VerifierKey.parse(field("golang-mod-PeterNeumann", "vkey")).noteVerifier();
        SignedNote signed = SignedNote.parse(bytes(field(v, "signed_note")));
        assertEquals(2, signed.signatures().size());

        Note both = signed.open(List.of(peter, enoch));
        assertEquals(2, both.verified().size());

        Note onlyEnoch = signed.open(List.of(enoch));
        assertEquals(1, onlyEnoch.verified().size());
        assertEquals("PeterNeumann", onlyEnoch.unverified().getFirst().keyName());
        assertEquals(field(v, "signed_note"), new String(signed.encode(), StandardCharsets.UTF_8));
    }

    @Test
    void c2spSignedNoteExample() throws Exception {
        String v = "c2sp-signed-note-example";
        VerifierKey vkey = VerifierKey.parse(field(v, "vkey"));
        assertEquals(0x530d903a, vkey.keyId());
        Note note = SignedNote.parse(bytes(field(v, "signed_note"))).open(List.of(vkey.noteVerifier()));
        assertEquals(field(v, "text"), note.text());
    }

    @Test
    void c2spCheckpointExampleParsesButDoesNotVerifyWithoutItsKey() throws Exception {
        String v = "c2sp-tlog-checkpoint-example-unverifiable";
        SignedNote signed = SignedNote.parse(bytes(field(v, "signed_note")));
        assertEquals(
                "example.com/behind-the-sofa", signed.signatures().getFirst().keyName());
        Checkpoint cp = Checkpoint.parse(signed.text());
        assertEquals("example.com/behind-the-sofa", cp.origin());
        assertEquals(20852163, cp.size());
        // No published key: with only some other key known, the note must be refused.
        NoteVerifier other =
                VerifierKey.parse(field("c2sp-signed-note-example", "vkey")).noteVerifier();
        assertThrows(NoteVerificationException.class, () -> signed.open(List.of(other)));
    }

    @Test
    void goSumdbTreeFormat() throws Exception {
        String text = field("golang-mod-sumdb-tree-format", "text");
        Checkpoint cp = Checkpoint.parse(bytes(text));
        assertEquals("go.sum database tree", cp.origin());
        assertEquals(123456789012L, cp.size());
        assertArrayEquals(TreeHash.leafHash(bytes("hello world")), cp.rootHash().toByteArray());
        assertEquals(text, new Checkpoint(cp.origin(), cp.size(), cp.rootHash()).toText());
    }

    @Test
    void realSumGolangOrgTreeHead() throws Exception {
        String v = "sum.golang.org-real-tree-head";
        VerifierKey vkey = VerifierKey.parse(field(v, "vkey"));
        assertEquals("sum.golang.org", vkey.name());
        assertEquals(0x033de0ae, vkey.keyId());
        Note note = SignedNote.parse(bytes(field(v, "signed_note"))).open(List.of(vkey.noteVerifier()));
        Checkpoint cp = Checkpoint.parse(note.textBytes().toByteArray());
        assertEquals("go.sum database tree", cp.origin());
        assertEquals(6476701, cp.size());
        assertEquals(
                "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=",
                Base64.getEncoder().encodeToString(cp.rootHash().toByteArray()));
    }

    @Test
    void ecdsaNotesFromRekorAndPixel() throws Exception {
        for (String v : List.of("rekor-ecdsa-note", "pixel6-ecdsa-note")) {
            VerifierKey vkey = VerifierKey.parse(field(v, "vkey"));
            assertEquals(SignatureType.ECDSA, vkey.type());
            Note note = SignedNote.parse(bytes(field(v, "signed_note"))).open(List.of(vkey.noteVerifier()));
            assertEquals(field(v, "text"), note.text());
        }
    }

    @Test
    void wrongSignatureByAKnownKeyIsRefused() throws Exception {
        String v = "sum.golang.org-real-tree-head";
        NoteVerifier key = VerifierKey.parse(field(v, "vkey")).noteVerifier();
        SignedNote signed = SignedNote.parse(bytes(field(v, "signed_note")));
        NoteSignature s = signed.signatures().getFirst();
        byte[] sig = s.signature().toByteArray();
        sig[10] ^= 1;
        SignedNote tampered = SignedNote.sign("x\n", List.of()).withSignature(s); // text changed
        assertThrows(NoteVerificationException.class, () -> tampered.open(List.of(key)));
        String flipped = field(v, "signed_note")
                .replace(
                        Base64.getEncoder()
                                .encodeToString(concat(s.keyId(), s.signature().toByteArray())),
                        Base64.getEncoder().encodeToString(concat(s.keyId(), sig)));
        NoteVerificationException e = assertThrows(
                NoteVerificationException.class,
                () -> SignedNote.parse(bytes(flipped)).open(List.of(key)));
        assertTrue(e.getMessage().contains("sum.golang.org+033de0ae"), e.getMessage());
    }

    @Test
    void changedTextIsRefused() throws Exception {
        String v = "sum.golang.org-real-tree-head";
        NoteVerifier key = VerifierKey.parse(field(v, "vkey")).noteVerifier();
        String changed = field(v, "signed_note").replace("6476701", "6476702");
        assertThrows(
                NoteVerificationException.class,
                () -> SignedNote.parse(bytes(changed)).open(List.of(key)));
    }

    @Test
    void signatureWithSameNameButOtherKeyIdIsIgnored() throws Exception {
        String v = "c2sp-signed-note-example";
        NoteVerifier key = VerifierKey.parse(field(v, "vkey")).noteVerifier();
        // A different key under the same name: its id differs, so the example signature is an unknown one.
        NoteVerifier impostor = Ed25519NoteSigner.generate("example.com/foo", new java.security.SecureRandom())
                .verifier();
        SignedNote signed = SignedNote.parse(bytes(field(v, "signed_note")));
        assertThrows(NoteVerificationException.class, () -> signed.open(List.of(impostor)));
        Note note = signed.open(List.of(impostor, key));
        assertEquals(1, note.verified().size());
    }

    private static byte[] concat(int keyId, byte[] sig) {
        byte[] out = new byte[4 + sig.length];
        out[0] = (byte) (keyId >>> 24);
        out[1] = (byte) (keyId >>> 16);
        out[2] = (byte) (keyId >>> 8);
        out[3] = (byte) keyId;
        System.arraycopy(sig, 0, out, 4, sig.length);
        return out;
    }
}
