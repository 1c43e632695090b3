package dev.cloister.attest.sevsnp;

import dev.cloister.attest.SecurityVersion;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An SEV-SNP TCB_VERSION, decomposed: the security patch levels (SPLs) of the PSP bootloader, the PSP OS (TEE), the
 * SNP firmware and the CPU microcode, plus (Turin) the FMC. Each component is 0..255.
 *
 * @param layout the layout it was decoded with (and is encoded with)
 * @param fmc FMC SPL (Turin only; 0 otherwise)
 * @param bootloader bootloader SPL
 * @param tee TEE (PSP OS) SPL
 * @param snp SNP firmware SPL
 * @param microcode microcode SPL
 */
public record TcbVersion(TcbLayout layout, int fmc, int bootloader, int tee, int snp, int microcode)
        implements SecurityVersion {

    public TcbVersion {
        if (layout == null) {
            throw new IllegalArgumentException("layout");
        }
        for (int v : new int[] {fmc, bootloader, tee, snp, microcode}) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("TCB component out of range 0..255: " + v);
            }
        }
        if (layout == TcbLayout.MILAN_GENOA && fmc != 0) {
            throw new IllegalArgumentException("FMC SPL exists only in the Turin layout");
        }
    }

    /** A Milan/Genoa TCB. */
    public static TcbVersion milanGenoa(int bootloader, int tee, int snp, int microcode) {
        return new TcbVersion(TcbLayout.MILAN_GENOA, 0, bootloader, tee, snp, microcode);
    }

    /** A Turin TCB. */
    public static TcbVersion turin(int fmc, int bootloader, int tee, int snp, int microcode) {
        return new TcbVersion(TcbLayout.TURIN, fmc, bootloader, tee, snp, microcode);
    }

    /** The 64-bit little-endian TCB_VERSION with reserved bytes zero. */
    public long raw() {
        return switch (layout) {
            case MILAN_GENOA -> (long) bootloader | (long) tee << 8 | (long) snp << 48 | (long) microcode << 56;
            case TURIN ->
                (long) fmc | (long) bootloader << 8 | (long) tee << 16 | (long) snp << 24 | (long) microcode << 56;
        };
    }

    @Override
    public boolean isAtLeast(SecurityVersion minimum) {
        if (!(minimum instanceof TcbVersion m) || m.layout != layout) {
            return false;
        }
        return fmc >= m.fmc && bootloader >= m.bootloader && tee >= m.tee && snp >= m.snp && microcode >= m.microcode;
    }

    public Map<String, Object> toJsonMap() {
        Map<String, Object> j = new LinkedHashMap<>();
        if (layout == TcbLayout.TURIN) {
            j.put("fmc", fmc);
        }
        j.put("bootloader", bootloader);
        j.put("tee", tee);
        j.put("snp", snp);
        j.put("microcode", microcode);
        j.put("raw", String.format("0x%016x", raw()));
        return j;
    }

    @Override
    public String toString() {
        return (layout == TcbLayout.TURIN ? "fmc=" + fmc + " " : "") + "bl=" + bootloader + " tee=" + tee + " snp="
                + snp + " ucode=" + microcode;
    }
}
