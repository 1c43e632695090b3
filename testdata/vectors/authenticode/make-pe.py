#!/usr/bin/env python3
"""Writes small synthetic PE/COFF images (EFI applications) for the Authenticode tests. Standard library only;
deterministic. Usage: make-pe.py OUTDIR"""
import struct
import sys


def pe(plus: bool, trailing: int, checksum: int, lfanew: int = 0x80, setup_header: bool = False) -> bytes:
    n_sections = 4
    opt_size = (112 if plus else 96) + 16 * 8
    size_of_headers = 0x400
    out = bytearray(size_of_headers)
    out[0:2] = b"MZ"
    struct.pack_into("<I", out, 0x3C, lfanew)
    out[0x40:lfanew] = bytes((i * 7 + 3) & 0xFF for i in range(lfanew - 0x40))  # a DOS stub of sorts
    if setup_header:
        # A Linux x86 boot protocol 2.15 setup header (Documentation/arch/x86/boot.rst), as a bzImage with the EFI
        # stub carries after its PE headers: "HdrS", LOADED_HIGH, initrd_addr_max, XLF_CAN_BE_LOADED_ABOVE_4G.
        out[0x1F1:0x268] = bytes((i * 3 + 11) & 0xFF for i in range(0x268 - 0x1F1))
        out[0x202:0x206] = b"HdrS"
        struct.pack_into("<H", out, 0x206, 0x020F)
        out[0x210] = 0
        out[0x211] = 0x01
        struct.pack_into("<IIII", out, 0x218, 0, 0, 0, 0)
        struct.pack_into("<II", out, 0x224, 0, 0)
        struct.pack_into("<I", out, 0x22C, 0x7FFFFFFF)
        struct.pack_into("<H", out, 0x236, 0x0040)
    out[lfanew:lfanew + 4] = b"PE\0\0"
    coff = lfanew + 4
    struct.pack_into("<HHIIIHH", out, coff, 0x8664 if plus else 0x14C, n_sections, 0x5F5E100, 0, 0, opt_size, 0x0206)
    o = coff + 20
    struct.pack_into("<HBB", out, o, 0x20B if plus else 0x10B, 2, 20)
    struct.pack_into("<IIII", out, o + 4, 0x400, 0x200, 0, 0x1000)  # code, init data, uninit, entry
    struct.pack_into("<I", out, o + 20, 0x1000)  # BaseOfCode
    if plus:
        struct.pack_into("<Q", out, o + 24, 0)  # ImageBase
    else:
        struct.pack_into("<II", out, o + 24, 0x2000, 0)  # BaseOfData, ImageBase
    struct.pack_into("<II", out, o + 32, 0x1000, 0x200)  # SectionAlignment, FileAlignment
    struct.pack_into("<HHHHHH", out, o + 40, 0, 0, 0, 0, 0, 0)
    struct.pack_into("<I", out, o + 52, 0)  # Win32VersionValue
    struct.pack_into("<II", out, o + 56, 0x5000, size_of_headers)  # SizeOfImage, SizeOfHeaders
    struct.pack_into("<I", out, o + 64, checksum)  # CheckSum (not hashed)
    struct.pack_into("<HH", out, o + 68, 10, 0)  # Subsystem EFI application, DllCharacteristics
    if plus:
        struct.pack_into("<QQQQII", out, o + 72, 0, 0, 0, 0, 0, 16)
        dirs = o + 112
    else:
        struct.pack_into("<IIIIII", out, o + 72, 0, 0, 0, 0, 0, 16)
        dirs = o + 96
    struct.pack_into("<II", out, dirs + 5 * 8, 0x4000, 0x0C)  # base relocation table
    table = o + opt_size
    # Section headers in table order; their raw data is in another file order.
    sections = [
        (b".text", 0x400, 0x1000, 0x800, 0x60000020),  # raw at 0x800
        (b".data", 0x200, 0x2000, 0x400, 0xC0000040),  # raw at 0x400
        (b".bss", 0x100, 0x3000, 0, 0xC0000080),  # no raw data
        (b".reloc", 0x200, 0x4000, 0x600, 0x42000040),  # raw at 0x600
    ]
    raw = {}
    for i, (name, size, rva, ptr, flags) in enumerate(sections):
        h = table + i * 40
        struct.pack_into("<8sIIIIIIHHI", out, h, name, size, rva, size if ptr else 0, ptr, 0, 0, 0, 0, flags)
        if ptr:
            raw[ptr] = bytes(((ptr >> 8) * 31 + j * 13) & 0xFF for j in range(size))
    body = bytearray(out)
    for ptr in sorted(raw):
        assert len(body) == ptr
        body += raw[ptr]
    body += bytes((j * 5 + 1) & 0xFF for j in range(trailing))
    return bytes(body)


def main() -> None:
    outdir = sys.argv[1]
    files = {
        "pe32plus.efi": pe(True, 0x48, 0),
        "pe32plus-unaligned.efi": pe(True, 0x35, 0x1234),
        "pe32.efi": pe(False, 0x10, 0xDEADBEEF),
        "bzimage.efi": pe(True, 0x408, 0, lfanew=0x40, setup_header=True),
    }
    for name, data in files.items():
        with open(f"{outdir}/{name}", "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
