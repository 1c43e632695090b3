package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import dev.cloister.base.Pem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The certificate table that the host attaches to an extended report (GHCB spec 56421, "SNP Extended Guest Request";
 * Linux configfs-tsm {@code auxblob} for the sev_guest provider): entries of {GUID (16 bytes, RFC 4122 byte order),
 * u32 offset, u32 length} ending with an all-zero entry, offsets from the start of the table, then the DER
 * certificates. Only locating: every certificate found is verified like any other endorsement.
 */
public final class SevSnpCertificateTable {

    public static final UUID VCEK = UUID.fromString("63da758d-e664-4564-adc5-f4b93be8accd");
    public static final UUID VLEK = UUID.fromString("a8074bc2-a25a-483e-aae6-39c045a0b8a1");
    public static final UUID ASK = UUID.fromString("4ab7b379-bbac-4fe4-a02f-05aef327c782");
    public static final UUID ARK = UUID.fromString("c0b406a4-a803-4952-9743-3fb6014cd0ae");
    /** A table larger than this is refused (the kernel allows 4 pages per certificate buffer by default). */
    public static final int MAX_TABLE_BYTES = 64 * 1024;

    static final int MAX_ENTRIES = 16;
    static final int ENTRY = 24;

    private final Map<UUID, byte[]> entries;

    private SevSnpCertificateTable(Map<UUID, byte[]> entries) {
        this.entries = entries;
    }

    public static SevSnpCertificateTable parse(byte[] table) throws AttestationException {
        if (table == null || table.length < ENTRY) {
            throw new AttestationException("SEV-SNP certificate table: shorter than one entry");
        }
        if (table.length > MAX_TABLE_BYTES) {
            throw new AttestationException(
                    "SEV-SNP certificate table: " + table.length + " bytes exceeds the limit of " + MAX_TABLE_BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        Map<UUID, byte[]> out = new LinkedHashMap<>();
        java.util.List<Long> offsets = new java.util.ArrayList<>();
        for (int i = 0; ; i++) {
            int at = i * ENTRY;
            if (at + ENTRY > table.length) {
                throw new AttestationException("SEV-SNP certificate table: no terminating all-zero entry");
            }
            if (i > MAX_ENTRIES) {
                throw new AttestationException("SEV-SNP certificate table: more than " + MAX_ENTRIES + " entries");
            }
            ByteBuffer g = ByteBuffer.wrap(table, at, 16).order(ByteOrder.BIG_ENDIAN);
            UUID guid = new UUID(g.getLong(), g.getLong());
            long offset = Integer.toUnsignedLong(b.getInt(at + 16));
            long length = Integer.toUnsignedLong(b.getInt(at + 20));
            if (guid.getMostSignificantBits() == 0 && guid.getLeastSignificantBits() == 0) {
                if (offset != 0 || length != 0) {
                    throw new AttestationException("SEV-SNP certificate table: terminator with non-zero offset/length");
                }
                break;
            }
            if (offset < ENTRY || length == 0 || offset + length > table.length) {
                throw new AttestationException("SEV-SNP certificate table: entry " + guid + " [" + offset + ", +"
                        + length + ") is outside the table of " + table.length + " bytes");
            }
            if (out.put(guid, Arrays.copyOfRange(table, (int) offset, (int) (offset + length))) != null) {
                throw new AttestationException("SEV-SNP certificate table: duplicate entry " + guid);
            }
            offsets.add(offset);
        }
        long headerEnd = (long) (out.size() + 1) * ENTRY;
        for (long offset : offsets) {
            if (offset < headerEnd) {
                throw new AttestationException("SEV-SNP certificate table: a certificate at offset " + offset
                        + " overlaps the " + headerEnd + "-byte header");
            }
        }
        return new SevSnpCertificateTable(out);
    }

    /** The certificate stored under {@code guid}, if any (DER as the host supplied it; may carry zero padding). */
    public java.util.Optional<byte[]> get(UUID guid) {
        byte[] v = entries.get(guid);
        return v == null ? java.util.Optional.empty() : java.util.Optional.of(v.clone());
    }

    public java.util.Set<UUID> guids() {
        return java.util.Collections.unmodifiableSet(entries.keySet());
    }

    /**
     * The endorsements in this table: the VCEK (or VLEK) and, when both are present, the ASK (or ASVK) and ARK.
     * Trailing zero padding after a DER certificate (hosts pad to page size) is cut off at the DER length.
     */
    public SevSnpEndorsements endorsements() throws AttestationException {
        byte[] leaf = entries.containsKey(VCEK) ? entries.get(VCEK) : entries.get(VLEK);
        if (leaf == null) {
            throw new AttestationException(
                    "SEV-SNP certificate table: neither a VCEK nor a VLEK entry (has " + entries.keySet() + ")");
        }
        byte[] ask = entries.get(ASK);
        byte[] ark = entries.get(ARK);
        if (ask == null || ark == null) {
            return SevSnpEndorsements.ofSigningCertificate(derOnly(leaf));
        }
        String pem = Pem.encode(Pem.CERTIFICATE, derOnly(ask)) + Pem.encode(Pem.CERTIFICATE, derOnly(ark));
        return SevSnpEndorsements.of(derOnly(leaf), pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Cuts a DER SEQUENCE with a 1- to 4-byte length to its encoded length. */
    static byte[] derOnly(byte[] der) throws AttestationException {
        if (der.length < 2 || der[0] != 0x30) {
            throw new AttestationException("SEV-SNP certificate table: entry is not a DER SEQUENCE");
        }
        int first = der[1] & 0xff;
        long len;
        int header;
        if (first < 0x80) {
            len = first;
            header = 2;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || der.length < 2 + n) {
                throw new AttestationException("SEV-SNP certificate table: bad DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = len << 8 | (der[2 + i] & 0xff);
            }
            header = 2 + n;
        }
        if (header + len > der.length) {
            throw new AttestationException("SEV-SNP certificate table: DER certificate longer than its entry");
        }
        return Arrays.copyOf(der, (int) (header + len));
    }

    /** Builds a table (for the simulated platform and tests). */
    public static byte[] encode(Map<UUID, byte[]> certificates) {
        int n = certificates.size();
        int size = (n + 1) * ENTRY
                + certificates.values().stream().mapToInt(v -> v.length).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        int offset = (n + 1) * ENTRY;
        int i = 0;
        for (Map.Entry<UUID, byte[]> e : certificates.entrySet()) {
            b.order(ByteOrder.BIG_ENDIAN)
                    .putLong(i * ENTRY, e.getKey().getMostSignificantBits())
                    .putLong(i * ENTRY + 8, e.getKey().getLeastSignificantBits());
            b.order(ByteOrder.LITTLE_ENDIAN).putInt(i * ENTRY + 16, offset).putInt(i * ENTRY + 20, e.getValue().length);
            b.put(offset, e.getValue());
            offset += e.getValue().length;
            i++;
        }
        return b.array();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SevSnpCertificateTable[");
        entries.forEach((k, v) -> sb.append(k)
                .append('=')
                .append(v.length)
                .append("B sha256:")
                .append(Hex.format(AmdCertificates.sha256(v)), 0, 16 + 7)
                .append(' '));
        return sb.append(']').toString();
    }
}
