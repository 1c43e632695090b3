package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import java.util.Comparator;

/**
 * The SEV-SNP launch digest of a release for one VM shape: the digest covers the VMSA of every vCPU and the guest
 * features, so each (vCPU count, guest features) an operator runs has a digest of its own (the VCPU type and VMM
 * convention are fixed by the release's launch description).
 * {@code struct { uint16 vcpus; uint64 guest_features; opaque launch_digest[48]; }}, vcpus 1..512.
 */
public record SnpShape(int vcpus, long guestFeatures, Bytes launchDigest) {

    /** The most vCPUs a shape may name (the measurement calculator's bound). */
    public static final int MAX_VCPUS = 512;

    /** Shapes sort by vCPU count, then guest features (unsigned). */
    static final Comparator<SnpShape> ORDER =
            Comparator.comparingInt(SnpShape::vcpus).thenComparing(SnpShape::guestFeatures, Long::compareUnsigned);

    public SnpShape {
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("SEV-SNP shape with " + vcpus + " vCPUs, want 1 to " + MAX_VCPUS);
        }
        if (launchDigest.length() != PlatformMeasurement.REGISTER_SIZE) {
            throw new IllegalArgumentException("SEV-SNP launch digest of " + launchDigest.length() + " bytes, want 48");
        }
    }

    void write(CanonicalWriter w) {
        w.u16(vcpus).u64(guestFeatures).fixed(launchDigest);
    }

    static SnpShape read(CanonicalReader r) throws FormatException {
        int vcpus = r.u16("SEV-SNP shape vCPUs");
        long features = r.u64("SEV-SNP shape guest features");
        Bytes digest = Bytes.of(r.fixed(PlatformMeasurement.REGISTER_SIZE, "SEV-SNP shape launch digest"));
        return new SnpShape(vcpus, features, digest);
    }

    @Override
    public String toString() {
        return "SnpShape[" + vcpus + " vCPUs, guest features 0x" + Long.toHexString(guestFeatures) + ", "
                + launchDigest.hex() + "]";
    }
}
