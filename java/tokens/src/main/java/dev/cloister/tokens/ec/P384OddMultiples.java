package dev.cloister.tokens.ec;

import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;

/** Tables of odd multiples A, 3A, 5A, ... of points, in affine coordinates, built for a whole batch at once. */
final class P384OddMultiples {
    private P384OddMultiples() {}

    /**
     * entries[i * size + j] = (2j + 1) * a[i], affine. Two inversions for the whole batch: one for the doubled points
     * 2 * a[i] that step each table, one for the tables. Every a[i] must be a point of {@code curve} other than the
     * identity (so no table entry is the identity: the multiples are below the prime order).
     */
    static P384Jacobian[] affineTables(ECCurve curve, ECPoint[] a, int size, P384Jacobian.Scratch s) {
        int n = a.length;
        P384Jacobian[] doubled = new P384Jacobian[n];
        P384Jacobian[] entries = new P384Jacobian[n * size];
        for (int i = 0; i < n; i++) {
            ECPoint p = a[i].normalize();
            if (p.isInfinity() || p.getCurve() != curve && !p.getCurve().equals(curve)) {
                throw new IllegalArgumentException("point " + i + " is the identity or not on this curve");
            }
            P384Jacobian first = new P384Jacobian();
            first.setAffine(
                    P384Field.fromBigInteger(p.getAffineXCoord().toBigInteger()),
                    P384Field.fromBigInteger(p.getAffineYCoord().toBigInteger()));
            entries[i * size] = first;
            doubled[i] = new P384Jacobian();
            doubled[i].set(first);
            doubled[i].twice(s);
        }
        P384Jacobian.normalizeAll(doubled, s);
        for (int i = 0; i < n; i++) {
            for (int j = 1; j < size; j++) {
                P384Jacobian next = new P384Jacobian();
                next.set(entries[i * size + j - 1]);
                next.addAffine(doubled[i].x, doubled[i].y, s);
                entries[i * size + j] = next;
            }
        }
        P384Jacobian.normalizeAll(entries, s);
        return entries;
    }

    /**
     * (ex, ey) = d * A from the affine table of odd multiples of A at {@code offset}, for an odd digit d with
     * |d| &lt; 2 * size: every entry is read and the wanted one kept with a mask, and -y is chosen with a mask, so
     * neither the memory access pattern nor the branches depend on d.
     */
    static void select(P384Jacobian[] entries, int offset, int size, int d, int[] ex, int[] ey, int[] negY) {
        int sign = d >> 31; // -1 if d < 0, else 0
        int index = (((d ^ sign) - sign) - 1) >>> 1;
        java.util.Arrays.fill(ex, 0);
        java.util.Arrays.fill(ey, 0);
        for (int j = 0; j < size; j++) {
            int mask = ((j ^ index) - 1) >> 31; // -1 if j == index, else 0
            int[] tx = entries[offset + j].x;
            int[] ty = entries[offset + j].y;
            for (int w = 0; w < P384Field.WORDS; w++) {
                ex[w] |= tx[w] & mask;
                ey[w] |= ty[w] & mask;
            }
        }
        P384Field.negate(ey, negY);
        for (int w = 0; w < P384Field.WORDS; w++) {
            ey[w] = (ey[w] & ~sign) | (negY[w] & sign);
        }
    }
}
