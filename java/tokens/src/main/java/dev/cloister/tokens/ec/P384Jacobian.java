package dev.cloister.tokens.ec;

/**
 * A mutable P-384 point in Jacobian coordinates (X, Y, Z), x = X / Z^2 and y = Y / Z^3; Z = 0 is the point at infinity.
 * The formulas work in place with the caller's {@link Scratch}, so a scalar multiplication allocates nothing per step.
 * Formulas from the Explicit-Formulas Database (hyperelliptic.org/EFD, short Weierstrass, a = -3, Jacobian):
 * doubling dbl-2001-b (3M + 5S) and mixed addition with an affine point (8M + 3S, Z2 = 1 in add-1998-cmo-2).
 * Not thread-safe; internal to the fixed-scalar multiplier.
 */
final class P384Jacobian {
    final int[] x = P384Field.create();
    final int[] y = P384Field.create();
    final int[] z = P384Field.create();

    /** Per-thread temporaries of the formulas. */
    static final class Scratch {
        final int[] tt = P384Field.createExt();
        final int[] t1 = P384Field.create();
        final int[] t2 = P384Field.create();
        final int[] t3 = P384Field.create();
        final int[] t4 = P384Field.create();
        final int[] t5 = P384Field.create();
        final int[] t6 = P384Field.create();
    }

    boolean isInfinity() {
        return P384Field.isZero(z);
    }

    void setInfinity() {
        java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(y, 0);
        java.util.Arrays.fill(z, 0);
        x[0] = 1;
        y[0] = 1;
    }

    void setAffine(int[] ax, int[] ay) {
        P384Field.copy(ax, x);
        P384Field.copy(ay, y);
        java.util.Arrays.fill(z, 0);
        z[0] = 1;
    }

    void set(P384Jacobian p) {
        P384Field.copy(p.x, x);
        P384Field.copy(p.y, y);
        P384Field.copy(p.z, z);
    }

    /**
     * this = 2 * this (dbl-2001-b): delta = Z^2, gamma = Y^2, beta = X * gamma, alpha = 3 * (X - delta) * (X + delta),
     * X3 = alpha^2 - 8 * beta, Z3 = (Y + Z)^2 - gamma - delta, Y3 = alpha * (4 * beta - X3) - 8 * gamma^2.
     * The point at infinity stays at infinity (Z3 = Y^2 - Y^2 - 0).
     */
    void twice(Scratch s) {
        int[] tt = s.tt;
        int[] delta = s.t1;
        int[] gamma = s.t2;
        int[] beta = s.t3;
        int[] alpha = s.t4;
        int[] t = s.t5;
        P384Field.square(z, delta, tt);
        P384Field.square(y, gamma, tt);
        P384Field.multiply(x, gamma, beta, tt);
        P384Field.subtract(x, delta, alpha);
        P384Field.add(x, delta, t);
        P384Field.multiply(alpha, t, alpha, tt);
        P384Field.twice(alpha, t);
        P384Field.add(alpha, t, alpha); // alpha = 3 (X - delta)(X + delta)
        P384Field.add(y, z, t);
        P384Field.square(t, t, tt);
        P384Field.subtract(t, gamma, t);
        P384Field.subtract(t, delta, z); // Z3 = (Y + Z)^2 - gamma - delta
        P384Field.twice(beta, beta);
        P384Field.twice(beta, beta); // beta = 4 beta
        P384Field.square(alpha, x, tt);
        P384Field.twice(beta, t);
        P384Field.subtract(x, t, x); // X3 = alpha^2 - 8 beta
        P384Field.subtract(beta, x, t);
        P384Field.multiply(alpha, t, y, tt);
        P384Field.square(gamma, t, tt);
        P384Field.twice(t, t);
        P384Field.twice(t, t);
        P384Field.twice(t, t);
        P384Field.subtract(y, t, y); // Y3 = alpha (4 beta - X3) - 8 gamma^2
    }

    /**
     * this = this + (ax, ay) for an affine point (not the identity): Z1Z1 = Z1^2, U2 = ax * Z1Z1,
     * S2 = ay * Z1 * Z1Z1, H = U2 - X1, R = S2 - Y1, X3 = R^2 - H^3 - 2 * X1 * H^2, Y3 = R * (X1 * H^2 - X3) - Y1 * H^3,
     * Z3 = Z1 * H. The exceptional cases (this at infinity, this = +-(ax, ay)) are handled; in a scalar multiplication
     * by a fixed reduced scalar they never occur (see {@link P384FixedScalarMultiplier}).
     */
    void addAffine(int[] ax, int[] ay, Scratch s) {
        if (isInfinity()) {
            setAffine(ax, ay);
            return;
        }
        int[] tt = s.tt;
        int[] z1z1 = s.t1;
        int[] h = s.t2;
        int[] r = s.t3;
        int[] hh = s.t4;
        int[] hhh = s.t5;
        int[] v = s.t6;
        P384Field.square(z, z1z1, tt);
        P384Field.multiply(ax, z1z1, h, tt);
        P384Field.subtract(h, x, h); // H = U2 - X1
        P384Field.multiply(z1z1, z, r, tt);
        P384Field.multiply(r, ay, r, tt);
        P384Field.subtract(r, y, r); // R = S2 - Y1
        if (P384Field.isZero(h)) {
            if (P384Field.isZero(r)) {
                twice(s);
            } else {
                setInfinity();
            }
            return;
        }
        P384Field.square(h, hh, tt);
        P384Field.multiply(h, hh, hhh, tt);
        P384Field.multiply(x, hh, v, tt); // V = X1 * H^2
        P384Field.multiply(z, h, z, tt); // Z3 = Z1 * H
        P384Field.square(r, x, tt);
        P384Field.subtract(x, hhh, x);
        P384Field.subtract(x, v, x);
        P384Field.subtract(x, v, x); // X3 = R^2 - H^3 - 2 V
        P384Field.multiply(y, hhh, hhh, tt); // Y1 * H^3
        P384Field.subtract(v, x, v);
        P384Field.multiply(r, v, y, tt);
        P384Field.subtract(y, hhh, y); // Y3 = R (V - X3) - Y1 H^3
    }

    /**
     * Converts the points to affine coordinates with one field inversion for all of them (Montgomery's trick):
     * afterwards each has Z = 1. None may be the point at infinity.
     */
    static void normalizeAll(P384Jacobian[] points, Scratch s) {
        int n = points.length;
        if (n == 0) {
            return;
        }
        int[][] prefix = new int[n][];
        int[] acc = P384Field.create();
        P384Field.copy(points[0].z, acc);
        for (int i = 0; i < n; i++) {
            if (points[i].isInfinity()) {
                throw new IllegalStateException("cannot normalize the point at infinity");
            }
            if (i > 0) {
                P384Field.multiply(acc, points[i].z, acc, s.tt);
            }
            prefix[i] = acc.clone();
        }
        int[] inv = P384Field.create();
        P384Field.invert(acc, inv);
        int[] zInv = s.t1;
        int[] zInv2 = s.t2;
        for (int i = n - 1; i >= 0; i--) {
            if (i > 0) {
                P384Field.multiply(inv, prefix[i - 1], zInv, s.tt);
                P384Field.multiply(inv, points[i].z, inv, s.tt);
            } else {
                P384Field.copy(inv, zInv);
            }
            P384Field.square(zInv, zInv2, s.tt);
            P384Field.multiply(points[i].x, zInv2, points[i].x, s.tt);
            P384Field.multiply(zInv2, zInv, zInv2, s.tt);
            P384Field.multiply(points[i].y, zInv2, points[i].y, s.tt);
            java.util.Arrays.fill(points[i].z, 0);
            points[i].z[0] = 1;
        }
    }
}
