package dev.cloister.ledger.note;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.ledger.FormatException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The c2sp.org/signed-note text rules, one named negative case each. */
class SignedNoteFormatTest {

    private static final Ed25519NoteSigner SIGNER = Ed25519NoteSigner.generate("example.com/log", new SecureRandom());

    private static String valid() throws Exception {
        return new String(SignedNote.sign("hello\nworld\n", List.of(SIGNER)).encode(), StandardCharsets.UTF_8);
    }

    private static void refused(String note) {
        assertThrows(FormatException.class, () -> SignedNote.parse(note.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void validNoteRoundTrips() throws Exception {
        SignedNote n = SignedNote.parse(valid().getBytes(StandardCharsets.UTF_8));
        assertEquals("hello\nworld\n", n.open(List.of(SIGNER.verifier())).text());
        assertEquals(valid(), new String(n.encode(), StandardCharsets.UTF_8));
    }

    @Test
    void carriageReturnIsRefused() throws Exception {
        refused(valid().replace("hello\n", "hello\r\n"));
    }

    @Test
    void otherControlCharactersAreRefused() throws Exception {
        refused(valid().replace("hello", "hel\tlo"));
        refused(valid().replace("hello", "hel\u0000lo"));
    }

    @Test
    void invalidUtf8IsRefused() throws Exception {
        byte[] b = valid().getBytes(StandardCharsets.UTF_8);
        b[1] = (byte) 0xff;
        assertThrows(FormatException.class, () -> SignedNote.parse(b));
        byte[] overlong = valid().replace("hello", "h\u00e9llo").getBytes(StandardCharsets.UTF_8);
        overlong[1] = (byte) 0xc0; // overlong / invalid lead byte
        assertThrows(FormatException.class, () -> SignedNote.parse(overlong));
    }

    @Test
    void missingBlankLineIsRefused() throws Exception {
        refused(valid().replace("world\n\n", "world\n"));
    }

    @Test
    void missingFinalNewlineIsRefused() throws Exception {
        String v = valid();
        refused(v.substring(0, v.length() - 1));
    }

    @Test
    void noSignatureLinesIsRefused() {
        refused("hello\n\n");
    }

    @Test
    void signatureLineWithoutEmDashIsRefused() throws Exception {
        refused(valid().replace("\u2014 ", "- "));
    }

    @Test
    void keyNameWithPlusOrSpaceIsRefused() throws Exception {
        refused(valid().replace("example.com/log", "example.com+log"));
        refused(valid().replace("example.com/log", "example.com\u00a0log"));
    }

    @Test
    void shortOrNonCanonicalBase64SignatureIsRefused() {
        refused("hello\n\n\u2014 k AAAA\n");
        refused("hello\n\n\u2014 k not*base64\n");
        refused("hello\n\n\u2014 k AAAAAAB=\n"); // non-zero padding bits
    }

    @Test
    void tooManySignaturesIsRefused() throws Exception {
        List<NoteSigner> many = new ArrayList<>();
        for (int i = 0; i <= SignedNote.MAX_SIGNATURES; i++) {
            many.add(SIGNER);
        }
        byte[] note = SignedNote.sign("hello\n", many).encode();
        assertThrows(FormatException.class, () -> SignedNote.parse(note));
    }

    @Test
    void sixteenSignaturesAreAccepted() throws Exception {
        List<NoteSigner> signers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            signers.add(Ed25519NoteSigner.generate("w" + i, new SecureRandom()));
        }
        SignedNote n = SignedNote.parse(SignedNote.sign("hello\n", signers).encode());
        assertEquals(
                16,
                n.open(signers.stream().map(NoteSigner::verifier).toList())
                        .verified()
                        .size());
    }

    @Test
    void oversizedNoteIsRefused() {
        byte[] big = new byte[SignedNote.MAX_SIZE + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        assertThrows(FormatException.class, () -> SignedNote.parse(big));
    }

    @Test
    void textWithoutFinalNewlineCannotBeSigned() {
        assertThrows(FormatException.class, () -> SignedNote.sign("hello", List.of(SIGNER)));
    }

    @Test
    void vkeyWithWrongKeyIdIsRefused() throws Exception {
        String vkey = SIGNER.verifier().toString();
        // name + hash + base64: the base64 key may itself contain '+', so split into three parts only.
        String[] parts = vkey.split("\\+", 3);
        String wrongId = parts[0] + "+" + (parts[1].equals("00000000") ? "00000001" : "00000000") + "+" + parts[2];
        assertThrows(FormatException.class, () -> VerifierKey.parse(wrongId));
        if (!parts[1].equals(parts[1].toUpperCase())) {
            assertThrows(
                    FormatException.class,
                    () -> VerifierKey.parse(parts[0] + "+" + parts[1].toUpperCase() + "+" + parts[2]),
                    "key ids are lowercase hex");
        }
        assertThrows(FormatException.class, () -> VerifierKey.parse(parts[0] + "+" + parts[1]));
        assertThrows(FormatException.class, () -> VerifierKey.parse("a+b+" + parts[1] + "+" + parts[2]));
        assertThrows(FormatException.class, () -> VerifierKey.parse(parts[0] + "+" + parts[1] + "+" + parts[2] + "+"));
    }

    @Test
    void vkeyWhoseKeyIsNotACurvePointIsRefused() {
        byte[] key = new byte[32];
        for (int y = 2; org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(key, 0); y++) {
            key[0] = (byte) y;
        }
        byte[] material = new byte[33];
        material[0] = 0x01;
        System.arraycopy(key, 0, material, 1, 32);
        String vkey = "k+" + KeyId.hex(KeyId.of("k", SignatureType.ED25519, key)) + "+"
                + java.util.Base64.getEncoder().encodeToString(material);
        FormatException e = assertThrows(FormatException.class, () -> VerifierKey.parse(vkey));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("point"), e.getMessage());
    }

    @Test
    void vkeyOfUnknownTypeIsRefused() {
        // type 0x7f
        String material = java.util.Base64.getEncoder().encodeToString(new byte[] {0x7f, 1, 2, 3});
        assertThrows(FormatException.class, () -> VerifierKey.parse("k+01020304+" + material));
    }

    @Test
    void skeyWithWrongKeyIdIsRefused() throws Exception {
        String skey = SIGNER.encodeSecret();
        String id = KeyId.hex(SIGNER.keyId());
        String other = id.equals("00000000") ? "00000001" : "00000000";
        assertThrows(
                FormatException.class, () -> Ed25519NoteSigner.parse(skey.replace("+" + id + "+", "+" + other + "+")));
    }
}
