package dev.cloister.attest.sim;

import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.base.Bytes;
import java.util.Objects;

/**
 * What the simulated SEV-SNP firmware should put in a report. {@link #of} gives the values of a well-configured
 * guest; the other fields exist so that tests can produce reports that a policy must refuse.
 *
 * @param reportData 64 bytes chosen by the guest (RA-TLS binding)
 * @param measurement 48-byte launch digest (the measurement of the running build)
 * @param hostData 32 bytes chosen by the host
 * @param guestPolicy POLICY; 0x30000 = SMT allowed + reserved bit
 * @param vmpl 0..3
 * @param reportedTcb REPORTED_TCB, or null for the TCB of the simulated VCEK
 * @param platformInfo PLATFORM_INFO; 0 (the default) is a host with SMT off, bit 0 SMT_EN on
 */
public record SimulatedReportRequest(
        Bytes reportData,
        Bytes measurement,
        Bytes hostData,
        long guestPolicy,
        int vmpl,
        TcbVersion reportedTcb,
        long platformInfo) {

    /** SMT allowed, reserved bit 17 set; no debug, no migration agent. */
    public static final long DEFAULT_GUEST_POLICY = 0x30000L;

    public SimulatedReportRequest {
        Objects.requireNonNull(reportData, "reportData");
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(hostData, "hostData");
        if (reportData.length() != 64 || measurement.length() != 48 || hostData.length() != 32) {
            throw new IllegalArgumentException("reportData 64, measurement 48, hostData 32 bytes");
        }
        if (vmpl < 0 || vmpl > 3) {
            throw new IllegalArgumentException("vmpl 0..3");
        }
    }

    public static SimulatedReportRequest of(byte[] reportData, byte[] measurement) {
        return new SimulatedReportRequest(
                Bytes.of(reportData), Bytes.of(measurement), Bytes.of(new byte[32]), DEFAULT_GUEST_POLICY, 0, null, 0);
    }

    public SimulatedReportRequest withGuestPolicy(long p) {
        return new SimulatedReportRequest(reportData, measurement, hostData, p, vmpl, reportedTcb, platformInfo);
    }

    public SimulatedReportRequest withVmpl(int v) {
        return new SimulatedReportRequest(reportData, measurement, hostData, guestPolicy, v, reportedTcb, platformInfo);
    }

    public SimulatedReportRequest withReportedTcb(TcbVersion t) {
        return new SimulatedReportRequest(reportData, measurement, hostData, guestPolicy, vmpl, t, platformInfo);
    }

    /** PLATFORM_INFO as the firmware would report it ({@code 1}: the host runs with SMT enabled). */
    public SimulatedReportRequest withPlatformInfo(long info) {
        return new SimulatedReportRequest(reportData, measurement, hostData, guestPolicy, vmpl, reportedTcb, info);
    }

    public SimulatedReportRequest withHostData(Bytes h) {
        return new SimulatedReportRequest(reportData, measurement, h, guestPolicy, vmpl, reportedTcb, platformInfo);
    }
}
