package dev.cloister.ledger.note;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.ledger.FormatException;
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
            String skey = KeyFiles.witnessSecret("witness.test", key);
            if (skey.substring(skey.indexOf("+", 12) + 1).indexOf('+', 9) >= 0) withPlus++;
            Path file = dir.resolve("w" + i);
            KeyFiles.writeSecret(file, skey);
            assertEquals(
                    new Cosigner("witness.test", key).verifier().verifierKey().encode(),
                    KeyFiles.cosigner(file).verifier().verifierKey().encode());
        }
        assertEquals(true, withPlus > 0, "some of the keys exercised a '+' in the base64");
    }

    /** A log's key (type 0x01) does not start a witness, nor a witness's (type 0x04) a log: each names the other. */
    @Test
    void eachRoleRefusesTheOthersKey() throws Exception {
        Ed25519PrivateKey key = Ed25519PrivateKey.generate(new SecureRandom());
        Path log = dir.resolve("log.key");
        KeyFiles.writeSecret(log, new Ed25519NoteSigner("log.test", key).encodeSecret());
        Path witness = dir.resolve("witness.key");
        KeyFiles.writeSecret(witness, KeyFiles.witnessSecret("witness.test", key));

        FormatException asWitness = assertThrows(FormatException.class, () -> KeyFiles.cosigner(log));
        assertTrue(asWitness.getMessage().contains("not a witness key"), asWitness.getMessage());
        FormatException asLog = assertThrows(FormatException.class, () -> KeyFiles.logSigner(witness));
        assertTrue(asLog.getMessage().contains("a witness key"), asLog.getMessage());
        assertEquals("log.test", KeyFiles.logSigner(log).name());
        assertEquals("witness.test", KeyFiles.cosigner(witness).name());
    }

    /** A witness key file whose key id is not its cosignature key's is refused (a tampered or hand-made file). */
    @Test
    void witnessKeyWithAnotherKeyIdIsRefused() throws Exception {
        Ed25519PrivateKey key = Ed25519PrivateKey.generate(new SecureRandom());
        String[] parts = KeyFiles.witnessSecret("witness.test", key).split("\\+", 5);
        parts[3] = "00000000";
        Path file = dir.resolve("witness.key");
        KeyFiles.writeSecret(file, String.join("+", parts));
        assertThrows(FormatException.class, () -> KeyFiles.cosigner(file));
    }
}
