package dev.cloister.tokens.ec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Decompression against BouncyCastle's {@code decodePoint}, for valid points of both parities and for arbitrary x. */
class P384CompressedTest {
    private static final X9ECParameters P384 = CustomNamedCurves.getByName("secp384r1");
    private static final ECCurve CURVE = P384.getCurve();
    private final Random random = new Random(23);

    @Test
    void decompressesPointsOfBothParities() {
        int odd = 0;
        for (int i = 0; i < 100; i++) {
            ECPoint p = P384.getG()
                    .multiply(new BigInteger(383, random).add(BigInteger.ONE))
                    .normalize();
            byte[] encoded = p.getEncoded(true);
            odd += encoded[0] == 0x03 ? 1 : 0;
            ECPoint q = P384Compressed.decompress(CURVE, p.getAffineXCoord().toBigInteger(), encoded[0] == 0x03);
            assertArrayEquals(p.getEncoded(false), q.getEncoded(false));
            ECPoint negated =
                    P384Compressed.decompress(CURVE, p.getAffineXCoord().toBigInteger(), encoded[0] != 0x03);
            assertArrayEquals(p.negate().normalize().getEncoded(false), negated.getEncoded(false));
        }
        assertTrue(odd > 20 && odd < 80, "both parities seen: " + odd);
    }

    @Test
    void agreesWithBouncyCastleOnArbitraryX() {
        BigInteger p = CURVE.getField().getCharacteristic();
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            BigInteger x = new BigInteger(384, random).mod(p);
            byte[] encoded = new byte[49];
            encoded[0] = 0x02;
            byte[] xb = x.toByteArray();
            int len = Math.min(48, xb.length);
            System.arraycopy(xb, xb.length - len, encoded, 49 - len, len);
            ECPoint ours = P384Compressed.decompress(CURVE, x, false);
            ECPoint theirs;
            try {
                theirs = CURVE.decodePoint(encoded);
            } catch (IllegalArgumentException e) {
                theirs = null;
            }
            if (theirs == null) {
                assertNull(ours, "x = " + x.toString(16));
                refused++;
            } else {
                assertArrayEquals(theirs.normalize().getEncoded(false), ours.getEncoded(false));
            }
        }
        assertTrue(refused > 50 && refused < 150, "about half of all x are not on the curve: " + refused);
    }

    @Test
    void refusesAnotherCurve() {
        ECCurve p256 = CustomNamedCurves.getByName("secp256r1").getCurve();
        assertThrows(IllegalArgumentException.class, () -> P384Compressed.decompress(p256, BigInteger.ONE, false));
    }

    @Test
    void bytesUnchangedByUse() {
        byte[] before = P384.getG().getEncoded(true);
        byte[] copy = Arrays.copyOf(before, before.length);
        P384Compressed.decompress(
                CURVE, P384.getG().normalize().getAffineXCoord().toBigInteger(), true);
        assertArrayEquals(copy, before);
    }
}
