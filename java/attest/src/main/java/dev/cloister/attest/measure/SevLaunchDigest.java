package dev.cloister.attest.measure;

import java.security.MessageDigest;
import java.util.Optional;

/**
 * The launch digests of the older AMD modes, SHA-256 over everything LAUNCH_UPDATE_DATA / LAUNCH_UPDATE_VMSA
 * encrypted (sev-snp-measure {@code sev_calc_launch_digest}, {@code seves_calc_launch_digest}): the OVMF image, the
 * SEV hashes table when a kernel is given, and for SEV-ES one VMSA per vCPU (SEV_FEATURES 0). Kept so the calculator
 * reproduces all of upstream's vectors; Cloister's enclaves run on SEV-SNP.
 */
public final class SevLaunchDigest {

    private SevLaunchDigest() {}

    /** SEV: SHA-256(OVMF ‖ hashes table). */
    public static byte[] sev(OvmfImage ovmf, Optional<KernelHashes> kernel) throws MeasurementException {
        return start(ovmf, kernel).digest();
    }

    /** SEV-ES: SHA-256(OVMF ‖ hashes table ‖ VMSA × vCPUs). */
    public static byte[] sevEs(
            OvmfImage ovmf, Optional<KernelHashes> kernel, int vcpus, Optional<VcpuType> vcpuType, VmmType vmm)
            throws MeasurementException {
        MessageDigest md = start(ovmf, kernel);
        if (vcpus < 1 || vcpus > LaunchDescription.MAX_VCPUS) {
            throw new MeasurementException("vcpus: " + vcpus + " is outside [1, " + LaunchDescription.MAX_VCPUS + "]");
        }
        if (vmm == VmmType.QEMU && vcpuType.isEmpty()) {
            throw new MeasurementException("vcpu_type: QEMU puts the vCPU signature in each VMSA; name the type");
        }
        long resetEip = ovmf.sevEsResetEip()
                .orElseThrow(() -> new MeasurementException(
                        "OVMF: the footer table has no SEV-ES reset block (" + OvmfImage.SEV_ES_RESET_BLOCK + ")"));
        if (vcpus > 1 && resetEip == 0) {
            throw new MeasurementException("OVMF: SEV-ES reset EIP is 0, but " + vcpus + " vCPUs need it");
        }
        int signature = vcpuType.map(VcpuType::signature).orElse(0);
        byte[] bsp = Vmsa.page(vmm, Vmsa.BSP_EIP, 0, signature);
        byte[] ap = vcpus > 1 ? Vmsa.page(vmm, resetEip, 0, signature) : null;
        for (int i = 0; i < vcpus; i++) {
            md.update(i == 0 ? bsp : ap);
        }
        return md.digest();
    }

    private static MessageDigest start(OvmfImage ovmf, Optional<KernelHashes> kernel) throws MeasurementException {
        MessageDigest md = Digests.sha256();
        md.update(ovmf.data());
        if (kernel.isPresent()) {
            if (!ovmf.supportsSevHashesTable()) {
                throw new MeasurementException("OVMF: a kernel was given but the OVMF does not support "
                        + "kernel/initrd/cmdline measurement (no SEV hashes table address in its footer table)");
            }
            md.update(SevHashesTable.table(kernel.get()));
        }
        return md;
    }
}
