package dev.cloister.attest.sevsnp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guest POLICY the VM was launched with (AMD pub. 56860, "Guest Policy Structure"), as reported.
 *
 * @param raw the 64-bit POLICY field
 */
public record GuestPolicy(long raw) {

    static final int SMT_BIT = 16;
    static final int RESERVED_ONE_BIT = 17;
    static final int MIGRATE_MA_BIT = 18;
    static final int DEBUG_BIT = 19;
    static final int SINGLE_SOCKET_BIT = 20;

    private boolean bit(int i) {
        return (raw >>> i & 1) == 1;
    }

    public int abiMinor() {
        return (int) (raw & 0xff);
    }

    public int abiMajor() {
        return (int) (raw >>> 8 & 0xff);
    }

    /** SMT may be enabled on the host (it need not be: see PLATFORM_INFO). */
    public boolean smtAllowed() {
        return bit(SMT_BIT);
    }

    /** Bit 17 is reserved and must be one. */
    public boolean reservedBitSet() {
        return bit(RESERVED_ONE_BIT);
    }

    /** A migration agent may be associated with the guest (it could export the guest's memory). */
    public boolean migrateMa() {
        return bit(MIGRATE_MA_BIT);
    }

    /** The hypervisor may debug the guest (read and write its memory): never acceptable for private data. */
    public boolean debug() {
        return bit(DEBUG_BIT);
    }

    public boolean singleSocket() {
        return bit(SINGLE_SOCKET_BIT);
    }

    Map<String, Object> toJsonMap() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("raw", String.format("0x%x", raw));
        j.put("abi", abiMajor() + "." + abiMinor());
        j.put("smt_allowed", smtAllowed());
        j.put("migrate_ma", migrateMa());
        j.put("debug", debug());
        j.put("single_socket", singleSocket());
        return j;
    }
}
