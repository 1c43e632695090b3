package dev.cloister.tokens.ec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.Random;
import org.bouncycastle.math.raw.Nat384;
import org.junit.jupiter.api.Test;

/** The column-wise squaring against BouncyCastle's {@code Nat384.square} and against BigInteger. */
class P384FieldTest {
    private static final BigInteger P = new BigInteger(
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff", 16);

    @Test
    void squareMatchesBouncyCastleAndBigInteger() {
        Random random = new Random(7);
        int[] x = new int[12];
        int[] ours = new int[24];
        int[] theirs = new int[24];
        for (int t = 0; t < 5000; t++) {
            for (int i = 0; i < 12; i++) {
                // all-ones words maximise every column's carries
                x[i] = t % 4 == 0 ? -1 : t % 4 == 1 ? random.nextInt() | 0x80000000 : random.nextInt();
            }
            P384Field.square768(x, ours);
            Nat384.square(x, theirs);
            assertArrayEquals(theirs, ours);
        }
    }

    @Test
    void reducedSquareIsCanonical() {
        Random random = new Random(8);
        int[] tt = P384Field.createExt();
        int[] z = P384Field.create();
        for (int t = 0; t < 2000; t++) {
            BigInteger v = t == 0 ? P.subtract(BigInteger.ONE) : new BigInteger(384, random).mod(P);
            P384Field.square(P384Field.fromBigInteger(v), z, tt);
            assertEquals(v.multiply(v).mod(P), P384Field.toBigInteger(z));
        }
    }
}
