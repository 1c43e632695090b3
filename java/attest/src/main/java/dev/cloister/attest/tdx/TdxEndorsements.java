package dev.cloister.attest.tdx;

import dev.cloister.attest.Endorsements;
import dev.cloister.attest.Platform;
import java.util.Objects;
import java.util.Optional;

/**
 * Intel's endorsements of a quote: the PCK chain that the quote itself carries (certification data type 5) and,
 * optionally, Intel's PCS collateral ({@link TdxCollateral}: TCB info, QE identity, CRLs). Without collateral the quote
 * is checked for genuineness only and no TCB status is established; a policy that requires a TCB status then refuses.
 */
public final class TdxEndorsements implements Endorsements {

    private static final TdxEndorsements EMBEDDED = new TdxEndorsements(null);

    private final TdxCollateral collateral;

    private TdxEndorsements(TdxCollateral collateral) {
        this.collateral = collateral;
    }

    /** The PCK chain embedded in the quote, no PCS collateral. */
    public static TdxEndorsements embeddedPckChain() {
        return EMBEDDED;
    }

    /** The PCK chain embedded in the quote, and Intel's PCS collateral for its FMSPC. */
    public static TdxEndorsements withCollateral(TdxCollateral collateral) {
        return new TdxEndorsements(Objects.requireNonNull(collateral, "collateral"));
    }

    public Optional<TdxCollateral> collateral() {
        return Optional.ofNullable(collateral);
    }

    @Override
    public Platform platform() {
        return Platform.TDX;
    }
}
