package dev.cloister.attest;

/**
 * RFC 9334 §3.2 Endorsements: what the vendor vouches for (certificate chains, signed TCB information). Supplied
 * next to the evidence (it may come from the attester itself: it is verified against the pinned roots, never trusted).
 */
public interface Endorsements {

    /** The platform these endorsements belong to. */
    Platform platform();
}
