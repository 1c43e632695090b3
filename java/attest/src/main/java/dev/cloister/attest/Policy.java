package dev.cloister.attest;

/**
 * RFC 9334 §8.5 Appraisal Policy for Evidence: which roots are trusted and which claims are required. One policy type
 * per platform (for example {@link dev.cloister.attest.sevsnp.SevSnpPolicy}); every field is explicit.
 */
public interface Policy {

    /** The platform this policy appraises. */
    Platform platform();
}
