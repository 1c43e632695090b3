package dev.cloister.attest.sevsnp;

/**
 * The byte layout of a 64-bit TCB_VERSION (AMD pub. 56860, "TCB_VERSION Structure"). The VCEK certificate's
 * structVersion extension (1.3.6.1.4.1.3704.1.1) names the layout: 0 for Milan and Genoa, 1 for Turin.
 */
public enum TcbLayout {
    /** Milan, Genoa: byte 0 bootloader, 1 TEE, 2-5 reserved, 6 SNP, 7 microcode. */
    MILAN_GENOA(0),
    /** Turin: byte 0 FMC, 1 bootloader, 2 TEE, 3 SNP, 4-6 reserved, 7 microcode. */
    TURIN(1);

    private final int structVersion;

    TcbLayout(int structVersion) {
        this.structVersion = structVersion;
    }

    /** The value of the VCEK structVersion extension for this layout. */
    public int structVersion() {
        return structVersion;
    }

    static int byteAt(long raw, int i) {
        return (int) (raw >>> (8 * i)) & 0xff;
    }

    /** Decomposes a raw TCB_VERSION; the reserved bytes are kept in {@link TcbVersion#raw()} only. */
    public TcbVersion decode(long raw) {
        return switch (this) {
            case MILAN_GENOA -> new TcbVersion(this, 0, byteAt(raw, 0), byteAt(raw, 1), byteAt(raw, 6), byteAt(raw, 7));
            case TURIN ->
                new TcbVersion(this, byteAt(raw, 0), byteAt(raw, 1), byteAt(raw, 2), byteAt(raw, 3), byteAt(raw, 7));
        };
    }

    /** True when the reserved bytes of {@code raw} are zero in this layout. */
    public boolean reservedBytesZero(long raw) {
        return switch (this) {
            case MILAN_GENOA -> (raw & 0x0000_ffff_ffff_0000L) == 0;
            case TURIN -> (raw & 0x00ff_ffff_0000_0000L) == 0;
        };
    }
}
