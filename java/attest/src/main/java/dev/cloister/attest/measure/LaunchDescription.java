package dev.cloister.attest.measure;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an SEV-SNP launch digest depends on, with the firmware reduced to the digest of its own pages: what an
 * operator publishes with a release so that anyone can recompute the measurement without the binaries
 * ({@link LaunchDescriptionJson} reads and writes it). {@link #snpLaunchDigest(VmmType)} follows sev-snp-measure's
 * {@code snp_calc_launch_digest}: the OVMF pages (already in {@link #ovmfHash()}), then each OVMF SEV metadata
 * section in table order, then one VMSA per vCPU.
 */
public final class LaunchDescription {

    /** dstack's bound; QEMU's default maximum for a q35 machine is 288. */
    public static final int MAX_VCPUS = 512;
    /** SEV_FEATURES bit 0: SNPActive. Every SNP guest has it. */
    public static final long SNP_ACTIVE = 0x1;
    /** The sections of one description may together cover at most this much (real OVMF: well under 1 MiB). */
    static final long MAX_SECTION_BYTES = 64L * 1024 * 1024;

    private final byte[] ovmfHash;
    private final List<OvmfSection> sections;
    private final long sevHashesTableGpa;
    private final long sevEsResetEip;
    private final Optional<KernelHashes> kernel;
    private final int vcpus;
    private final Optional<VcpuType> vcpuType;
    private final long guestFeatures;

    private LaunchDescription(
            byte[] ovmfHash,
            List<OvmfSection> sections,
            long sevHashesTableGpa,
            long sevEsResetEip,
            Optional<KernelHashes> kernel,
            int vcpus,
            Optional<VcpuType> vcpuType,
            long guestFeatures) {
        this.ovmfHash = ovmfHash;
        this.sections = sections;
        this.sevHashesTableGpa = sevHashesTableGpa;
        this.sevEsResetEip = sevEsResetEip;
        this.kernel = kernel;
        this.vcpus = vcpus;
        this.vcpuType = vcpuType;
        this.guestFeatures = guestFeatures;
    }

    /**
     * A description from its parts, each checked.
     *
     * @param ovmfHash the launch digest after the OVMF file's own pages (48 bytes)
     * @param sections OVMF's SEV metadata sections in table order
     * @param kernel the direct-boot hashes, or empty when no kernel is given (no hashes table)
     * @param vcpuType the vCPU model; may be empty only for VMMs that do not put it in the VMSA (EC2, GCE)
     * @throws MeasurementException naming the field that is out of bounds or inconsistent
     */
    public static LaunchDescription of(
            byte[] ovmfHash,
            List<OvmfSection> sections,
            long sevHashesTableGpa,
            long sevEsResetEip,
            Optional<KernelHashes> kernel,
            int vcpus,
            Optional<VcpuType> vcpuType,
            long guestFeatures)
            throws MeasurementException {
        if (ovmfHash.length != SnpLaunchDigest.SIZE) {
            throw new MeasurementException("ovmf_hash: " + ovmfHash.length + " bytes, not 48 (SHA-384)");
        }
        if (sections.size() > OvmfImage.MAX_SECTIONS) {
            throw new MeasurementException(
                    "ovmf_sections: " + sections.size() + " sections, more than " + OvmfImage.MAX_SECTIONS);
        }
        long total = 0;
        for (OvmfSection s : sections) {
            total += s.size();
        }
        if (total > MAX_SECTION_BYTES) {
            throw new MeasurementException(
                    "ovmf_sections: together 0x" + Long.toHexString(total) + " bytes, more than 64 MiB");
        }
        if (sevHashesTableGpa < 0 || sevHashesTableGpa > 0xffff_ffffL) {
            throw new MeasurementException("sev_hashes_table_gpa: not a 32-bit address");
        }
        if (sevEsResetEip < 0 || sevEsResetEip > 0xffff_ffffL) {
            throw new MeasurementException("sev_es_reset_eip: not a 32-bit address");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new MeasurementException("vcpus: " + vcpus + " is outside [1, " + MAX_VCPUS + "]");
        }
        if (vcpus > 1 && sevEsResetEip == 0) {
            throw new MeasurementException(
                    "sev_es_reset_eip: 0, but " + vcpus + " vCPUs need the application processors' reset address");
        }
        if ((guestFeatures & SNP_ACTIVE) == 0) {
            throw new MeasurementException("guest_features: 0x" + Long.toHexString(guestFeatures)
                    + " lacks SNPActive (bit 0); an SEV-SNP guest always has it");
        }
        if (kernel.isPresent()) {
            if (sections.stream().noneMatch(s -> s.type() == OvmfSection.Type.SNP_KERNEL_HASHES)) {
                throw new MeasurementException("kernel_hash: a kernel was given but the OVMF SEV metadata has no "
                        + "SNP_KERNEL_HASHES section (type 0x10), so the firmware cannot check it");
            }
            if (sevHashesTableGpa == 0) {
                throw new MeasurementException(
                        "sev_hashes_table_gpa: 0, but a kernel was given: the firmware has no " + "SEV hashes table");
            }
            SevHashesTable.page(kernel.get(), (int) (sevHashesTableGpa & 0xfff));
        }
        return new LaunchDescription(
                ovmfHash.clone(),
                List.copyOf(sections),
                sevHashesTableGpa,
                sevEsResetEip,
                Objects.requireNonNull(kernel, "kernel"),
                vcpus,
                Objects.requireNonNull(vcpuType, "vcpuType"),
                guestFeatures);
    }

    /**
     * The description of a launch of this OVMF image: its pages folded into the digest, its sections, reset block and
     * hashes-table address.
     */
    public static LaunchDescription ofImage(
            OvmfImage ovmf, Optional<KernelHashes> kernel, int vcpus, Optional<VcpuType> vcpuType, long guestFeatures)
            throws MeasurementException {
        return ofImage(ovmf, ovmfPagesDigest(ovmf), kernel, vcpus, vcpuType, guestFeatures);
    }

    /**
     * As {@link #ofImage(OvmfImage, Optional, int, Optional, long)}, with the digest of the full OVMF's pages given
     * (sev-snp-measure's {@code --snp-ovmf-hash}: when only the end of the file is at hand).
     */
    public static LaunchDescription ofImage(
            OvmfImage ovmf,
            byte[] ovmfHash,
            Optional<KernelHashes> kernel,
            int vcpus,
            Optional<VcpuType> vcpuType,
            long guestFeatures)
            throws MeasurementException {
        if (kernel.isPresent() && !ovmf.hasSection(OvmfSection.Type.SNP_KERNEL_HASHES)) {
            throw new MeasurementException("OVMF: a kernel was given but the OVMF SEV metadata has no "
                    + "SNP_KERNEL_HASHES section (type 0x10), so the firmware cannot check it");
        }
        long resetEip = ovmf.sevEsResetEip()
                .orElseThrow(() -> new MeasurementException(
                        "OVMF: the footer table has no SEV-ES reset block (" + OvmfImage.SEV_ES_RESET_BLOCK + ")"));
        long hashesGpa = 0;
        if (kernel.isPresent()) {
            hashesGpa = ovmf.sevHashesTableGpa()
                    .orElseThrow(() -> new MeasurementException(
                            "OVMF: a kernel was given but the footer table has no SEV hashes table entry ("
                                    + OvmfImage.SEV_HASH_TABLE_RV + ")"));
        }
        return of(ovmfHash, ovmf.sections(), hashesGpa, resetEip, kernel, vcpus, vcpuType, guestFeatures);
    }

    /** The launch digest after the OVMF file's pages, mapped to end at 4 GiB ({@code calc_snp_ovmf_hash}). */
    public static byte[] ovmfPagesDigest(OvmfImage ovmf) {
        SnpLaunchDigest ld = new SnpLaunchDigest();
        ld.normalPages(ovmf.gpa(), ovmf.data(), 0, ovmf.size());
        return ld.digest();
    }

    /**
     * The SEV-SNP launch digest (the report's MEASUREMENT) of this launch under {@code vmm}.
     *
     * @throws MeasurementException when QEMU is named and no vCPU type is given
     */
    public byte[] snpLaunchDigest(VmmType vmm) throws MeasurementException {
        if (vmm == VmmType.QEMU && vcpuType.isEmpty()) {
            throw new MeasurementException(
                    "vcpu_type: QEMU puts the vCPU signature in each VMSA; name the type " + "(e.g. EPYC-v4)");
        }
        int signature = vcpuType.map(VcpuType::signature).orElse(0);
        SnpLaunchDigest ld = new SnpLaunchDigest(ovmfHash);
        for (OvmfSection s : sections) {
            switch (s.type()) {
                case SNP_SEC_MEM ->
                    ld.emptyPages(
                            vmm == VmmType.GCE ? SnpLaunchDigest.PageType.UNMEASURED : SnpLaunchDigest.PageType.ZERO,
                            s.gpa(),
                            s.size());
                case SNP_SECRETS -> ld.emptyPages(SnpLaunchDigest.PageType.SECRETS, s.gpa(), OvmfSection.PAGE);
                case CPUID -> {
                    if (vmm != VmmType.EC2) {
                        ld.emptyPages(SnpLaunchDigest.PageType.CPUID, s.gpa(), OvmfSection.PAGE);
                    }
                }
                case SNP_KERNEL_HASHES -> {
                    if (kernel.isPresent()) {
                        byte[] page = SevHashesTable.page(kernel.get(), (int) (sevHashesTableGpa & 0xfff));
                        ld.normalPages(s.gpa(), page, 0, page.length);
                    } else {
                        ld.emptyPages(SnpLaunchDigest.PageType.ZERO, s.gpa(), s.size());
                    }
                }
                case SVSM_CAA -> ld.emptyPages(SnpLaunchDigest.PageType.ZERO, s.gpa(), s.size());
                default -> throw new IllegalStateException(s.type().name());
            }
        }
        if (vmm == VmmType.EC2) {
            for (OvmfSection s : sections) {
                if (s.type() == OvmfSection.Type.CPUID) {
                    ld.emptyPages(SnpLaunchDigest.PageType.CPUID, s.gpa(), OvmfSection.PAGE);
                }
            }
        }
        byte[] bsp = Vmsa.page(vmm, Vmsa.BSP_EIP, guestFeatures, signature);
        byte[] ap = vcpus > 1 ? Vmsa.page(vmm, sevEsResetEip, guestFeatures, signature) : null;
        for (int i = 0; i < vcpus; i++) {
            ld.vmsaPage(i == 0 ? bsp : ap);
        }
        return ld.digest();
    }

    public byte[] ovmfHash() {
        return ovmfHash.clone();
    }

    public List<OvmfSection> sections() {
        return sections;
    }

    public long sevHashesTableGpa() {
        return sevHashesTableGpa;
    }

    public long sevEsResetEip() {
        return sevEsResetEip;
    }

    public Optional<KernelHashes> kernel() {
        return kernel;
    }

    public int vcpus() {
        return vcpus;
    }

    public Optional<VcpuType> vcpuType() {
        return vcpuType;
    }

    public long guestFeatures() {
        return guestFeatures;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchDescription d
                && Arrays.equals(ovmfHash, d.ovmfHash)
                && sections.equals(d.sections)
                && sevHashesTableGpa == d.sevHashesTableGpa
                && sevEsResetEip == d.sevEsResetEip
                && kernel.equals(d.kernel)
                && vcpus == d.vcpus
                && vcpuType.equals(d.vcpuType)
                && guestFeatures == d.guestFeatures;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                Arrays.hashCode(ovmfHash),
                sections,
                sevHashesTableGpa,
                sevEsResetEip,
                kernel,
                vcpus,
                vcpuType,
                guestFeatures);
    }

    @Override
    public String toString() {
        return "LaunchDescription[ovmf_hash=" + HexFormat.of().formatHex(ovmfHash) + ", " + sections.size()
                + " sections, vcpus=" + vcpus + ", vcpu_type="
                + vcpuType.map(VcpuType::qemuName).orElse("none")
                + ", guest_features=0x" + Long.toHexString(guestFeatures) + ", kernel=" + kernel.isPresent() + "]";
    }
}
