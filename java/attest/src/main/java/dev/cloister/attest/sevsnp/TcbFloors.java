package dev.cloister.attest.sevsnp;

import dev.cloister.attest.SecurityVersion;
import dev.cloister.ledger.entry.PlatformPolicy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The lowest TCB accepted per AMD product line: a policy's {@code minimumTcb} when one policy trusts the roots of
 * several product lines (whose TCB values are not comparable with each other). The verifier applies the floor of the
 * product line whose ARK the chain ends in; a product line without a floor is refused.
 *
 * <p>As a {@link SecurityVersion}, one set of floors is at least another when it sets a floor for every product line
 * the other does, each at least as high component by component.
 *
 * @param floors the floor per product line, each in that product line's TCB layout (at least one)
 */
public record TcbFloors(Map<ProductLine, TcbVersion> floors) implements SecurityVersion {

    public TcbFloors {
        Objects.requireNonNull(floors, "floors");
        if (floors.isEmpty()) {
            throw new IllegalArgumentException("TCB floors for at least one product line");
        }
        EnumMap<ProductLine, TcbVersion> copy = new EnumMap<>(ProductLine.class);
        for (Map.Entry<ProductLine, TcbVersion> e : floors.entrySet()) {
            ProductLine p = Objects.requireNonNull(e.getKey(), "product line");
            TcbVersion v = Objects.requireNonNull(e.getValue(), "floor");
            if (v.layout() != p.tcbLayout()) {
                throw new IllegalArgumentException(
                        "the " + p.kdsName() + " floor is in the " + v.layout() + " layout, want " + p.tcbLayout());
            }
            copy.put(p, v);
        }
        floors = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * The floors this build ships: at least AMD's fixes for CVE-2024-56161 (AMD-SB-3019) and the later bulletins
     * SB-3020, SB-3023 and SB-3027, value by value as documented with their sources in {@code TCB-FLOORS.md} next to
     * this class's resources. Bootloader, TEE and FMC have no floor (0): no bulletin found gives one.
     */
    public static TcbFloors shipped() {
        Map<ProductLine, TcbVersion> m = new EnumMap<>(ProductLine.class);
        // SB-3019: SNP 0x18, microcode 0xDB (patch 0x0A0011DB); SB-3023: SNP 0x1B.
        m.put(ProductLine.MILAN, TcbVersion.milanGenoa(0, 0, 0x1B, 0xDB));
        // SB-3019: SNP 0x17, microcode 0x54; SB-3020: SNP 0x1B, microcode 0x56; SB-3027: microcode 0x56.
        m.put(ProductLine.GENOA, TcbVersion.milanGenoa(0, 0, 0x1B, 0x56));
        // SB-3020: SNP 0x04, microcode 0x50; SB-3023: SNP 0x04; SB-3027: microcode 0x51.
        m.put(ProductLine.TURIN, TcbVersion.turin(0, 0, 0, 0x04, 0x51));
        return new TcbFloors(m);
    }

    /** The floors a signed {@link PlatformPolicy} entry sets (the signature is the caller's to check). */
    public static TcbFloors of(PlatformPolicy policy) {
        Map<ProductLine, TcbVersion> m = new EnumMap<>(ProductLine.class);
        for (PlatformPolicy.TcbFloor f : policy.floors()) {
            switch (f.product()) {
                case MILAN ->
                    m.put(ProductLine.MILAN, TcbVersion.milanGenoa(f.bootloader(), f.tee(), f.snp(), f.microcode()));
                case GENOA ->
                    m.put(ProductLine.GENOA, TcbVersion.milanGenoa(f.bootloader(), f.tee(), f.snp(), f.microcode()));
                case TURIN ->
                    m.put(
                            ProductLine.TURIN,
                            TcbVersion.turin(f.fmc(), f.bootloader(), f.tee(), f.snp(), f.microcode()));
            }
        }
        return new TcbFloors(m);
    }

    /** The ledger entry's floors for these (what {@code cloister ledger publish-platform-policy} signs). */
    public List<PlatformPolicy.TcbFloor> toEntryFloors() {
        List<PlatformPolicy.TcbFloor> out = new ArrayList<>();
        floors.forEach((p, v) -> out.add(new PlatformPolicy.TcbFloor(
                PlatformPolicy.Product.valueOf(p.name()), v.fmc(), v.bootloader(), v.tee(), v.snp(), v.microcode())));
        return List.copyOf(out);
    }

    /** The floor for {@code product}, if one is set. */
    public Optional<TcbVersion> floor(ProductLine product) {
        return Optional.ofNullable(floors.get(product));
    }

    /**
     * These floors raised by {@code other}: per product line, component by component, the higher of the two; a
     * product line either sets a floor for has one. Never lower than either input.
     */
    public TcbFloors raisedTo(TcbFloors other) {
        Map<ProductLine, TcbVersion> m = new EnumMap<>(floors);
        other.floors.forEach((p, v) -> m.merge(p, v, TcbFloors::max));
        return new TcbFloors(m);
    }

    private static TcbVersion max(TcbVersion a, TcbVersion b) {
        return new TcbVersion(
                a.layout(),
                Math.max(a.fmc(), b.fmc()),
                Math.max(a.bootloader(), b.bootloader()),
                Math.max(a.tee(), b.tee()),
                Math.max(a.snp(), b.snp()),
                Math.max(a.microcode(), b.microcode()));
    }

    @Override
    public boolean isAtLeast(SecurityVersion minimum) {
        if (!(minimum instanceof TcbFloors m)) {
            return false;
        }
        for (Map.Entry<ProductLine, TcbVersion> e : m.floors.entrySet()) {
            TcbVersion mine = floors.get(e.getKey());
            if (mine == null || !mine.isAtLeast(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("TcbFloors[");
        floors.forEach((p, v) -> b.append(p.kdsName()).append(": ").append(v).append("; "));
        return b.append(']').toString();
    }
}
