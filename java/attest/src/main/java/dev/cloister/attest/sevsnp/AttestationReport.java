package dev.cloister.attest.sevsnp;

import dev.cloister.attest.AttestationException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An SEV-SNP ATTESTATION_REPORT (AMD pub. 56860, table "ATTESTATION_REPORT Structure"; offsets cross-checked with
 * google/go-sev-guest abi/abi.go and virtee/sev src/firmware/guest/types/snp.rs). All integers are little-endian.
 *
 * <p>{@link #parse} checks the structure only (size, known version, signature algorithm, reserved bytes). None of the
 * values may be trusted before {@link SevSnpVerifier} has checked the signature over {@link #signedBytes()}.
 */
public final class AttestationReport {

    /** Size of the report: 0x4A0 bytes. */
    public static final int SIZE = 0x4A0;
    /** The signature covers bytes [0, 0x2A0). */
    public static final int SIGNED_LENGTH = 0x2A0;
    /** Report versions whose layout this parser knows; any other version is refused. */
    static final int MIN_VERSION = 2;

    static final int MAX_VERSION = 5;
    /** SIGNATURE_ALGO 1: ECDSA P-384 with SHA-384. */
    static final int ECDSA_P384_SHA384 = 1;

    static final int OFF_VERSION = 0x000;
    static final int OFF_GUEST_SVN = 0x004;
    static final int OFF_POLICY = 0x008;
    static final int OFF_FAMILY_ID = 0x010;
    static final int OFF_IMAGE_ID = 0x020;
    static final int OFF_VMPL = 0x030;
    static final int OFF_SIGNATURE_ALGO = 0x034;
    static final int OFF_CURRENT_TCB = 0x038;
    static final int OFF_PLATFORM_INFO = 0x040;
    static final int OFF_SIGNER_INFO = 0x048;
    static final int OFF_REPORT_DATA = 0x050;
    static final int OFF_MEASUREMENT = 0x090;
    static final int OFF_HOST_DATA = 0x0C0;
    static final int OFF_ID_KEY_DIGEST = 0x0E0;
    static final int OFF_AUTHOR_KEY_DIGEST = 0x110;
    static final int OFF_REPORT_ID = 0x140;
    static final int OFF_REPORT_ID_MA = 0x160;
    static final int OFF_REPORTED_TCB = 0x180;
    static final int OFF_CPUID_FAM = 0x188;
    static final int OFF_CHIP_ID = 0x1A0;
    static final int OFF_COMMITTED_TCB = 0x1E0;
    static final int OFF_CURRENT_BUILD = 0x1E8;
    static final int OFF_COMMITTED_BUILD = 0x1EC;
    static final int OFF_LAUNCH_TCB = 0x1F0;
    static final int OFF_LAUNCH_MIT_VECTOR = 0x1F8;
    static final int OFF_CURRENT_MIT_VECTOR = 0x200;
    static final int OFF_SIGNATURE = 0x2A0;
    /** ECDSA P-384 R and S: 72 bytes each, little-endian, zero-padded (only the low 48 bytes may be non-zero). */
    static final int SIG_COMPONENT = 72;

    static final int P384_BYTES = 48;

    private final byte[] bytes;
    private final ByteBuffer le;

    private AttestationReport(byte[] bytes) {
        this.bytes = bytes;
        this.le = ByteBuffer.wrap(bytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Checks the structure of an untrusted report: exactly {@value #SIZE} bytes, a version whose layout is known
     * (2..5), SIGNATURE_ALGO 1, a signing key of VCEK or VLEK, and all reserved (MBZ) bytes zero, including the
     * padding of R and S and the unused tail of the signature field.
     */
    public static AttestationReport parse(byte[] report) throws AttestationException {
        if (report == null) {
            throw new AttestationException("SEV-SNP report: missing");
        }
        if (report.length != SIZE) {
            throw AttestationException.mismatch("SEV-SNP report: size", SIZE, report.length);
        }
        AttestationReport r = new AttestationReport(report.clone());
        r.checkStructure();
        return r;
    }

    private void checkStructure() throws AttestationException {
        int version = version();
        if (version < MIN_VERSION || version > MAX_VERSION) {
            throw new AttestationException("SEV-SNP report: unknown report version " + Integer.toUnsignedString(version)
                    + " (this verifier knows versions " + MIN_VERSION + " to " + MAX_VERSION + ")");
        }
        int algo = le.getInt(OFF_SIGNATURE_ALGO);
        if (algo != ECDSA_P384_SHA384) {
            throw AttestationException.mismatch(
                    "SEV-SNP report: SIGNATURE_ALGO", ECDSA_P384_SHA384, Integer.toUnsignedString(algo));
        }
        int signer = le.getInt(OFF_SIGNER_INFO);
        if ((signer >>> 5) != 0) {
            throw new AttestationException(
                    "SEV-SNP report: signer info bits 5-31 must be zero, got " + String.format("0x%08x", signer));
        }
        int key = signer >>> 2 & 7;
        if (key != 0 && key != 1) {
            throw new AttestationException(
                    "SEV-SNP report: signing key " + key + " is neither VCEK (0) nor VLEK (1); unsigned or reserved");
        }
        int vmpl = le.getInt(OFF_VMPL);
        if (vmpl < 0 || vmpl > 3) {
            throw new AttestationException("SEV-SNP report: VMPL " + Integer.toUnsignedString(vmpl) + " is not 0..3");
        }
        requireZero(0x04C, 0x050, "reserved after signer info");
        requireZero(version >= 3 ? 0x18B : 0x188, 0x1A0, "reserved after REPORTED_TCB");
        requireZero(0x1EB, 0x1EC, "reserved after CURRENT_VERSION");
        requireZero(0x1EF, 0x1F0, "reserved after COMMITTED_VERSION");
        requireZero(version >= 5 ? 0x208 : 0x1F8, OFF_SIGNATURE, "reserved before SIGNATURE");
        requireZero(OFF_SIGNATURE + P384_BYTES, OFF_SIGNATURE + SIG_COMPONENT, "padding of signature R");
        requireZero(
                OFF_SIGNATURE + SIG_COMPONENT + P384_BYTES,
                OFF_SIGNATURE + 2 * SIG_COMPONENT,
                "padding of signature S");
        requireZero(OFF_SIGNATURE + 2 * SIG_COMPONENT, SIZE, "reserved tail of SIGNATURE");
    }

    private void requireZero(int from, int to, String what) throws AttestationException {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                throw new AttestationException(String.format(
                        "SEV-SNP report: %s [0x%03x, 0x%03x) must be zero, byte 0x%03x is 0x%02x",
                        what, from, to, i, bytes[i] & 0xff));
            }
        }
    }

    /** The bytes the signature covers: [0, 0x2A0). */
    public byte[] signedBytes() {
        return Arrays.copyOfRange(bytes, 0, SIGNED_LENGTH);
    }

    /** The whole report. */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] rawBytes() {
        return bytes;
    }

    /** The signature as r ‖ s, 48 bytes each, big-endian (IEEE P1363), converted from the report's little-endian. */
    byte[] signatureP1363() {
        byte[] out = new byte[2 * P384_BYTES];
        for (int i = 0; i < P384_BYTES; i++) {
            out[P384_BYTES - 1 - i] = bytes[OFF_SIGNATURE + i];
            out[2 * P384_BYTES - 1 - i] = bytes[OFF_SIGNATURE + SIG_COMPONENT + i];
        }
        return out;
    }

    BigInteger signatureR() {
        return new BigInteger(1, Arrays.copyOfRange(signatureP1363(), 0, P384_BYTES));
    }

    private byte[] slice(int off, int len) {
        return Arrays.copyOfRange(bytes, off, off + len);
    }

    public int version() {
        return le.getInt(OFF_VERSION);
    }

    public long guestSvn() {
        return Integer.toUnsignedLong(le.getInt(OFF_GUEST_SVN));
    }

    public GuestPolicy policy() {
        return new GuestPolicy(le.getLong(OFF_POLICY));
    }

    public byte[] familyId() {
        return slice(OFF_FAMILY_ID, 16);
    }

    public byte[] imageId() {
        return slice(OFF_IMAGE_ID, 16);
    }

    public int vmpl() {
        return le.getInt(OFF_VMPL);
    }

    public int signatureAlgo() {
        return le.getInt(OFF_SIGNATURE_ALGO);
    }

    public long currentTcbRaw() {
        return le.getLong(OFF_CURRENT_TCB);
    }

    public long platformInfo() {
        return le.getLong(OFF_PLATFORM_INFO);
    }

    /** PLATFORM_INFO bit 0: SMT is enabled on the host. */
    public boolean smtEnabled() {
        return (platformInfo() & 1) == 1;
    }

    public int signerInfo() {
        return le.getInt(OFF_SIGNER_INFO);
    }

    public boolean authorKeyEnabled() {
        return (signerInfo() & 1) == 1;
    }

    /** MASK_CHIP_KEY: CHIP_ID is zeroed. */
    public boolean maskChipKey() {
        return (signerInfo() >>> 1 & 1) == 1;
    }

    public SigningKey signingKey() {
        return (signerInfo() >>> 2 & 7) == 0 ? SigningKey.VCEK : SigningKey.VLEK;
    }

    public byte[] reportData() {
        return slice(OFF_REPORT_DATA, 64);
    }

    public byte[] measurement() {
        return slice(OFF_MEASUREMENT, 48);
    }

    public byte[] hostData() {
        return slice(OFF_HOST_DATA, 32);
    }

    public byte[] idKeyDigest() {
        return slice(OFF_ID_KEY_DIGEST, 48);
    }

    public byte[] authorKeyDigest() {
        return slice(OFF_AUTHOR_KEY_DIGEST, 48);
    }

    public byte[] reportId() {
        return slice(OFF_REPORT_ID, 32);
    }

    public byte[] reportIdMa() {
        return slice(OFF_REPORT_ID_MA, 32);
    }

    public long reportedTcbRaw() {
        return le.getLong(OFF_REPORTED_TCB);
    }

    /** CPUID family, model, stepping (version 3 and later; zero in version 2). */
    public int cpuidFamily() {
        return bytes[OFF_CPUID_FAM] & 0xff;
    }

    public int cpuidModel() {
        return bytes[OFF_CPUID_FAM + 1] & 0xff;
    }

    public int cpuidStepping() {
        return bytes[OFF_CPUID_FAM + 2] & 0xff;
    }

    public byte[] chipId() {
        return slice(OFF_CHIP_ID, 64);
    }

    public long committedTcbRaw() {
        return le.getLong(OFF_COMMITTED_TCB);
    }

    /** Firmware version major.minor.build at report time. */
    public String currentVersion() {
        return (bytes[OFF_CURRENT_BUILD + 2] & 0xff) + "." + (bytes[OFF_CURRENT_BUILD + 1] & 0xff) + "."
                + (bytes[OFF_CURRENT_BUILD] & 0xff);
    }

    public String committedVersion() {
        return (bytes[OFF_COMMITTED_BUILD + 2] & 0xff) + "." + (bytes[OFF_COMMITTED_BUILD + 1] & 0xff) + "."
                + (bytes[OFF_COMMITTED_BUILD] & 0xff);
    }

    public long launchTcbRaw() {
        return le.getLong(OFF_LAUNCH_TCB);
    }

    /** LAUNCH_MIT_VECTOR (version 5 and later; zero before). */
    public long launchMitVector() {
        return le.getLong(OFF_LAUNCH_MIT_VECTOR);
    }

    /** CURRENT_MIT_VECTOR (version 5 and later; zero before). */
    public long currentMitVector() {
        return le.getLong(OFF_CURRENT_MIT_VECTOR);
    }
}
