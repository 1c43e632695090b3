package dev.cloister.attest.measure;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Authenticode digest of a PE/COFF image (Microsoft, "Windows Authenticode Portable Executable Signature Format",
 * section "Calculating the PE Image Hash"), as UEFI firmware measures an EFI application it starts: a Linux bzImage
 * with the EFI stub is one, and OVMF extends RTMR1 with its SHA-384 Authenticode digest.
 *
 * <p>The digest covers, in this order: the headers up to {@code SizeOfHeaders} without the optional header's
 * {@code CheckSum} and the Certificate Table data-directory entry; the raw data of every section with a non-zero
 * {@code SizeOfRawData}, sorted by {@code PointerToRawData}; then the data after the last byte hashed, except the
 * attribute certificate table at the end of the file. As {@code sbsign}, {@code pesign} and {@code osslsigncode} do,
 * a file whose length without its certificate table is not a multiple of 8 is hashed with zero padding up to the next
 * multiple of 8 (the padding a signer adds before the table), so a file and its signed copy have one digest. The
 * firmware does not pad (edk2's {@code MeasurePeImageAndExtend} hashes the file up to its certificate table as it
 * is): {@link #firmwareSha384} is what OVMF extends RTMR1 with, and differs from {@link #sha384} only for an unsigned
 * file whose length is not a multiple of 8.
 *
 * <p>Bounded: every structure must lie inside the file, at most {@link #MAX_SECTIONS} sections, and an image of at most
 * {@link #MAX_SIZE} bytes; a malformed image is a {@link MeasurementException} naming the field and its offset.
 */
public final class Authenticode {

    /** The largest image accepted (a distribution kernel is 8 to 15 MiB). */
    public static final int MAX_SIZE = 256 * 1024 * 1024;
    /** The PE/COFF format's limit on NumberOfSections (a kernel's EFI stub has 3 to 5). */
    public static final int MAX_SECTIONS = 96;

    static final int PE32_MAGIC = 0x10b;
    static final int PE32_PLUS_MAGIC = 0x20b;
    static final int SECURITY_DIRECTORY = 4;
    static final int SECTION_HEADER = 40;

    private Authenticode() {}

    /** The SHA-384 Authenticode digest of {@code image}, as signing tools compute it. */
    public static byte[] sha384(byte[] image) throws MeasurementException {
        return digest(image, Digests.sha384(), true);
    }

    /** The SHA-256 Authenticode digest of {@code image} (what Secure Boot's db and a TPM's PCR 4 use). */
    public static byte[] sha256(byte[] image) throws MeasurementException {
        return digest(image, Digests.sha256(), true);
    }

    /** The SHA-384 digest UEFI firmware measures {@code image} with: the Authenticode ranges, without a signer's padding. */
    public static byte[] firmwareSha384(byte[] image) throws MeasurementException {
        return digest(image, Digests.sha384(), false);
    }

    /** One section's raw data: {@code size} bytes at file offset {@code offset}. */
    private record RawData(int index, long offset, long size) {}

    static byte[] digest(byte[] image, MessageDigest md, boolean signerPadding) throws MeasurementException {
        String name = "PE image";
        if (image.length > MAX_SIZE) {
            throw new MeasurementException(name + ": " + image.length + " bytes, more than " + MAX_SIZE);
        }
        if (image.length < 0x40 || u16(image, 0) != 0x5a4d) {
            throw MeasurementException.at(name, "DOS header e_magic", 0, "not \"MZ\" (or the file is too short)");
        }
        long peOffset = u32(image, 0x3c);
        require(name, "e_lfanew", 0x3c, peOffset + 24 <= image.length, "points past the end of the file");
        require(name, "PE signature", peOffset, u32(image, (int) peOffset) == 0x4550, "not \"PE\\0\\0\"");
        int coff = (int) peOffset + 4;
        int sections = u16(image, coff + 2);
        int optionalSize = u16(image, coff + 16);
        int optional = coff + 20;
        require(name, "NumberOfSections", coff + 2, sections <= MAX_SECTIONS, sections + ", more than " + MAX_SECTIONS);
        require(
                name,
                "SizeOfOptionalHeader",
                coff + 16,
                (long) optional + optionalSize <= image.length,
                optionalSize + " bytes runs past the end of the file");
        require(name, "optional header Magic", optional, optionalSize >= 2, "missing");
        int magic = u16(image, optional);
        int directories;
        int rvaCount;
        switch (magic) {
            case PE32_MAGIC -> {
                directories = optional + 96;
                rvaCount = optional + 92;
            }
            case PE32_PLUS_MAGIC -> {
                directories = optional + 112;
                rvaCount = optional + 108;
            }
            default ->
                throw MeasurementException.at(
                        name,
                        "optional header Magic",
                        optional,
                        "0x" + Integer.toHexString(magic) + " is not PE32/PE32+");
        }
        require(name, "optional header", optional, directories <= optional + optionalSize, "too short");
        long count = u32(image, rvaCount);
        require(
                name,
                "NumberOfRvaAndSizes",
                rvaCount,
                count > SECURITY_DIRECTORY && directories + count * 8 <= optional + optionalSize,
                count + " has no Certificate Table entry or does not fit the optional header");
        int checksum = optional + 64;
        int certificateEntry = directories + SECURITY_DIRECTORY * 8;
        long sizeOfHeaders = u32(image, optional + 60);
        long sectionTable = (long) optional + optionalSize;
        require(
                name,
                "SizeOfHeaders",
                optional + 60,
                sizeOfHeaders >= sectionTable + (long) sections * SECTION_HEADER && sizeOfHeaders <= image.length,
                sizeOfHeaders + " does not cover the section table or runs past the end of the file");
        long certificateOffset = u32(image, certificateEntry);
        long certificateSize = u32(image, certificateEntry + 4);
        long signedLength = image.length;
        if (certificateSize != 0) {
            require(
                    name,
                    "Certificate Table",
                    certificateEntry,
                    certificateOffset >= sizeOfHeaders && certificateOffset + certificateSize == image.length,
                    "[0x" + Long.toHexString(certificateOffset) + ", +0x" + Long.toHexString(certificateSize)
                            + ") is not the end of the file");
            signedLength = certificateOffset;
        }

        md.update(image, 0, checksum);
        md.update(image, checksum + 4, certificateEntry - (checksum + 4));
        md.update(image, certificateEntry + 8, (int) (sizeOfHeaders - (certificateEntry + 8)));
        long hashed = sizeOfHeaders;

        List<RawData> raw = new ArrayList<>(sections);
        for (int i = 0; i < sections; i++) {
            int header = (int) sectionTable + i * SECTION_HEADER;
            long size = u32(image, header + 16);
            long offset = u32(image, header + 20);
            if (size == 0) continue;
            require(
                    name,
                    "section " + i + " PointerToRawData/SizeOfRawData",
                    header + 16,
                    offset + size <= signedLength,
                    "[0x" + Long.toHexString(offset) + ", +0x" + Long.toHexString(size)
                            + ") runs past the signed part of the file");
            raw.add(new RawData(i, offset, size));
        }
        raw.sort(Comparator.comparingLong(RawData::offset).thenComparingInt(RawData::index));
        for (RawData r : raw) {
            md.update(image, (int) r.offset(), (int) r.size());
            hashed += r.size();
        }
        if (signedLength > hashed) {
            md.update(image, (int) hashed, (int) (signedLength - hashed));
        }
        if (signerPadding) {
            md.update(new byte[(int) ((8 - signedLength % 8) % 8)]);
        }
        return md.digest();
    }

    private static void require(String image, String what, long offset, boolean ok, String problem)
            throws MeasurementException {
        if (!ok) {
            throw MeasurementException.at(image, what, offset, problem);
        }
    }

    static int u16(byte[] b, int at) throws MeasurementException {
        if (at < 0 || at + 2 > b.length) {
            throw MeasurementException.at("PE image", "a 16-bit field", at, "past the end of the file");
        }
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long u32(byte[] b, int at) throws MeasurementException {
        if (at < 0 || at + 4 > b.length) {
            throw MeasurementException.at("PE image", "a 32-bit field", at, "past the end of the file");
        }
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }
}
