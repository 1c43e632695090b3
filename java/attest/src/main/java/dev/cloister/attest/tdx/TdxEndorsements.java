package dev.cloister.attest.tdx;

import dev.cloister.attest.Endorsements;
import dev.cloister.attest.Platform;

/**
 * Intel's endorsements of a quote. Today only the PCK chain that the quote itself carries (certification data type 5)
 * is used; PCS collateral (TCB info, QE identity, CRLs) is not yet supported, so no TCB status is established.
 */
public final class TdxEndorsements implements Endorsements {

    private static final TdxEndorsements EMBEDDED = new TdxEndorsements();

    private TdxEndorsements() {
    }

    /** The PCK chain embedded in the quote. */
    public static TdxEndorsements embeddedPckChain() {
        return EMBEDDED;
    }

    @Override
    public Platform platform() {
        return Platform.TDX;
    }
}
