package dev.cloister.attest.sevsnp;

/** Which AMD key signed a report (report signer info bits 2-4; the certificate's subject CN says the same). */
public enum SigningKey {
    /** Versioned Chip Endorsement Key: per chip and TCB, certified by the ASK. */
    VCEK("SEV-VCEK"),
    /** Versioned Loaded Endorsement Key: per cloud provider, certified by the ASVK. */
    VLEK("SEV-VLEK");

    private final String certificateCommonName;

    SigningKey(String certificateCommonName) {
        this.certificateCommonName = certificateCommonName;
    }

    /** The subject CN of this key's certificate in AMD's KDS format. */
    public String certificateCommonName() {
        return certificateCommonName;
    }
}
