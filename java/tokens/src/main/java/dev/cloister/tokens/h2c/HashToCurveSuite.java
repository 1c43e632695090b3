package dev.cloister.tokens.h2c;

import java.math.BigInteger;

/**
 * The RFC 9380 §8.2 and §8.3 suites for NIST P-256 and P-384 (simplified SWU map, {@code expand_message_xmd}).
 * Only the curve, the expander, L and Z vary; the random-oracle ({@code _RO_}) and nonuniform ({@code _NU_})
 * encodings share them.
 */
public enum HashToCurveSuite {
    /** P256_XMD:SHA-256_SSWU_RO_ / _NU_ (RFC 9380 §8.2): L = 48, Z = -10. */
    P256_XMD_SHA256_SSWU("secp256r1", "P256_XMD:SHA-256_SSWU_", ExpandMessageXmd.SHA256, 48, -10),
    /** P384_XMD:SHA-384_SSWU_RO_ / _NU_ (RFC 9380 §8.3): L = 72, Z = -12. */
    P384_XMD_SHA384_SSWU("secp384r1", "P384_XMD:SHA-384_SSWU_", ExpandMessageXmd.SHA384, 72, -12);

    private final String curveName;
    private final String suitePrefix;
    private final ExpandMessageXmd expander;
    private final int l;
    private final int z;

    HashToCurveSuite(String curveName, String suitePrefix, ExpandMessageXmd expander, int l, int z) {
        this.curveName = curveName;
        this.suitePrefix = suitePrefix;
        this.expander = expander;
        this.l = l;
        this.z = z;
    }

    /** The SEC 2 name of the curve. */
    public String curveName() {
        return curveName;
    }

    /** The suite ID for the random-oracle encoding, e.g. "P384_XMD:SHA-384_SSWU_RO_". */
    public String randomOracleId() {
        return suitePrefix + "RO_";
    }

    /** The suite ID for the nonuniform encoding, e.g. "P384_XMD:SHA-384_SSWU_NU_". */
    public String nonuniformId() {
        return suitePrefix + "NU_";
    }

    public ExpandMessageXmd expander() {
        return expander;
    }

    /** L = ceil((ceil(log2(p)) + k) / 8), the bytes per field element in hash_to_field. */
    public int l() {
        return l;
    }

    /** The SSWU constant Z as a small signed integer. */
    public BigInteger z() {
        return BigInteger.valueOf(z);
    }
}
