package dev.cloister.ledger.note;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.ledger.witness.Cosigner;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

    @TempDir
    Path dir;

    /** A witness key file gives the witness the key it was made with, whatever its base64 contains ('+' included). */
    @Test
    void witnessKeyFilesRoundTrip() throws Exception {
        SecureRandom random = new SecureRandom();
        int withPlus = 0;
        for (int i = 0; i < 200; i++) {
            Ed25519PrivateKey key = Ed25519PrivateKey.generate(random);
            String skey = new Ed25519NoteSigner("witness.test", key).encodeSecret();
            if (skey.substring(skey.indexOf("+", 12) + 1).indexOf('+', 9) >= 0) withPlus++;
            Path file = dir.resolve("w" + i);
            KeyFiles.writeSecret(file, skey);
            assertEquals(new Cosigner("witness.test", key).verifier().verifierKey().encode(),
                    KeyFiles.cosigner(file).verifier().verifierKey().encode());
        }
        assertEquals(true, withPlus > 0, "some of the keys exercised a '+' in the base64");
    }
}
