package dev.cloister.attest.tdx;

import dev.cloister.attest.AttestationException;

/**
 * A TCB level's status as Intel's PCS collateral names it (TCB info {@code tcbStatus}, PCS API v4). QE identity and
 * TDX module identities use only {@link #UP_TO_DATE}, {@link #OUT_OF_DATE} and {@link #REVOKED}.
 */
public enum TcbStatus {
    /** The platform is patched for every known issue. */
    UP_TO_DATE("UpToDate"),
    /** Patched, but software hardening (the advisories) is needed against some issues. */
    SW_HARDENING_NEEDED("SWHardeningNeeded"),
    /** Patched, but the platform's configuration (for example BIOS settings) needs changing. */
    CONFIGURATION_NEEDED("ConfigurationNeeded"),
    /** Both of the above. */
    CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
    /** A TCB recovery happened after this level: the platform lacks security fixes. */
    OUT_OF_DATE("OutOfDate"),
    /** Out of date and, in addition, configuration is needed. */
    OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
    /** Intel revoked this level: its keys are not trusted. */
    REVOKED("Revoked");

    private final String pcsName;

    TcbStatus(String pcsName) {
        this.pcsName = pcsName;
    }

    /** The name in Intel's JSON, for example {@code "SWHardeningNeeded"}. */
    public String pcsName() {
        return pcsName;
    }

    /** The status named {@code name} in Intel's JSON; an unknown name is refused, never guessed. */
    public static TcbStatus fromPcsName(String name) throws AttestationException {
        for (TcbStatus s : values()) {
            if (s.pcsName.equals(name)) {
                return s;
            }
        }
        throw new AttestationException("unknown TCB status \"" + bounded(name) + "\"");
    }

    /**
     * This (platform) status combined with the status of a component that is evaluated separately (the QE identity or
     * the TDX module identity), as Intel's quote verification library converges them: a revoked component makes the
     * result revoked; an out-of-date component makes an otherwise current result out of date (keeping "configuration
     * needed"); any other component status leaves this one as it is.
     */
    public TcbStatus convergeWith(TcbStatus component) {
        if (component == REVOKED || this == REVOKED) {
            return REVOKED;
        }
        if (component != OUT_OF_DATE && component != OUT_OF_DATE_CONFIGURATION_NEEDED) {
            return this;
        }
        return switch (this) {
            case UP_TO_DATE, SW_HARDENING_NEEDED, OUT_OF_DATE -> OUT_OF_DATE;
            case CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED ->
                OUT_OF_DATE_CONFIGURATION_NEEDED;
            case REVOKED -> REVOKED;
        };
    }

    static String bounded(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
