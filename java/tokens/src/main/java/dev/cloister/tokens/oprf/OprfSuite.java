package dev.cloister.tokens.oprf;

import dev.cloister.tokens.h2c.HashToCurveSuite;

/**
 * The RFC 9497 §4 ciphersuites this module implements: P256-SHA256 (§4.3) and P384-SHA384 (§4.4).
 * Privacy Pass token type 0x0001 uses {@link #P384_SHA384}.
 */
public enum OprfSuite {
    P256_SHA256("P256-SHA256", HashToCurveSuite.P256_XMD_SHA256_SSWU, "SHA-256", 32, 33, 32),
    P384_SHA384("P384-SHA384", HashToCurveSuite.P384_XMD_SHA384_SSWU, "SHA-384", 48, 49, 48);

    private final String identifier;
    private final HashToCurveSuite hashToCurve;
    private final String hash;
    private final int nh;
    private final int ne;
    private final int ns;

    OprfSuite(String identifier, HashToCurveSuite hashToCurve, String hash, int nh, int ne, int ns) {
        this.identifier = identifier;
        this.hashToCurve = hashToCurve;
        this.hash = hash;
        this.nh = nh;
        this.ne = ne;
        this.ns = ns;
    }

    /** The ciphersuite identifier of RFC 9497 §4, e.g. "P384-SHA384". */
    public String identifier() {
        return identifier;
    }

    public HashToCurveSuite hashToCurve() {
        return hashToCurve;
    }

    /** The JDK name of the suite's hash function {@code Hash}. */
    public String hash() {
        return hash;
    }

    /** Nh: output size of Hash in bytes, and so of the OPRF output. */
    public int nh() {
        return nh;
    }

    /** Ne: size of a serialized Element (SEC1 compressed point). */
    public int ne() {
        return ne;
    }

    /** Ns: size of a serialized Scalar. */
    public int ns() {
        return ns;
    }

    /** The prime-order group of this suite. */
    public Group group() {
        return Group.of(this);
    }
}
