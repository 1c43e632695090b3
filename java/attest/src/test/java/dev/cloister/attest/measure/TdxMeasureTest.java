package dev.cloister.attest.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attest.tdx.TdxQuote;
import dev.cloister.testing.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * TDX: RTMR replay and the direct-boot RTMR1 sequence against dstack's real quote and event log; MRTD on a synthetic
 * TDVF (no public vector pairs a TDVF with its MRTD: PROVENANCE.md).
 */
class TdxMeasureTest {

    record Logged(int imr, long type, byte[] digest, String event, byte[] payload) {}

    static JsonNode report() {
        return Vectors.json("cvm-measure/dstack-tdx", "quote-report.json");
    }

    static List<Logged> log() throws Exception {
        JsonNode events = new ObjectMapper().readTree(Vectors.str(report(), "event_log"));
        List<Logged> out = new ArrayList<>();
        for (JsonNode e : Vectors.list(events)) {
            out.add(new Logged(
                    e.get("imr").intValue(),
                    e.get("event_type").longValue(),
                    Vectors.hex(e, "digest"),
                    Vectors.str(e, "event"),
                    Vectors.hex(e, "event_payload")));
        }
        return out;
    }

    /**
     * The load options RTMR2 measures: edk2 2025.02 (Debian's 2025.02-8+deb13u1, the pinned firmware source)
     * OvmfPkg/Library/X86QemuLoadImageLib/X86QemuLoadImageLib.c, QemuLoadKernelImage: {@code
     * UnicodeSPrintAsciiFormat (..., "%a%a%a", (Shim == FALSE) ? "" : "kernel ", (CommandLineSize == 0) ? "" :
     * CommandLine, (InitrdSize == 0) ? "" : " initrd=initrd")} (no shim in a cvm-boot launch); QEMU's x86_load_linux (hw/i386/x86-common.c) only passes the
     * command line through fw_cfg (FW_CFG_CMDLINE_DATA). So an empty line with an initrd is " initrd=initrd", leading
     * space included.
     */
    @Test
    void ovmfLoadOptionsAppendInitrdWithItsLeadingSpace() {
        assertEquals(" initrd=initrd", Rtmr.ovmfLoadOptions("", 1));
        assertEquals("console=ttyS0 initrd=initrd", Rtmr.ovmfLoadOptions("console=ttyS0", 5));
        assertEquals("console=ttyS0", Rtmr.ovmfLoadOptions("console=ttyS0", 0));
        assertEquals("", Rtmr.ovmfLoadOptions("", 0));
    }

    @Test
    void replayingDstacksEventLogGivesTheQuotesFourRtmrs() throws Exception {
        TdxQuote quote = TdxQuote.parse(Vectors.hex(report(), "quote"));
        List<Logged> log = log();
        assertEquals(28, log.size());
        List<Rtmr.Event> events = new ArrayList<>();
        for (Logged e : log) {
            events.add(new Rtmr.Event(e.imr(), dev.cloister.base.Bytes.of(e.digest())));
        }
        List<byte[]> rtmrs = Rtmr.replay(events);
        for (int i = 0; i < Rtmr.COUNT; i++) {
            assertEquals(Vectors.hex(quote.rtmr(i)), Vectors.hex(rtmrs.get(i)), "RTMR" + i);
        }
        events.removeLast();
        assertNotEquals(
                Vectors.hex(quote.rtmr(3)), Vectors.hex(Rtmr.replay(events).get(3)), "every event counts");
    }

    @Test
    void dstackRuntimeEventsHashTheirTypeNameAndPayload() throws Exception {
        int checked = 0;
        for (Logged e : log()) {
            if (e.imr() != 3) {
                continue;
            }
            MessageDigest md = MessageDigest.getInstance("SHA-384");
            md.update(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) e.type())
                    .array());
            md.update((":" + e.event() + ":").getBytes(StandardCharsets.UTF_8));
            md.update(e.payload());
            assertArrayEquals(e.digest(), md.digest(), e.event());
            checked++;
        }
        assertEquals(8, checked);
    }

    @Test
    void directBootRtmr1FromTheKernelDigestGivesTheQuotesRtmr1() throws Exception {
        TdxQuote quote = TdxQuote.parse(Vectors.hex(report(), "quote"));
        List<byte[]> logged =
                log().stream().filter(e -> e.imr() == 1).map(Logged::digest).toList();
        assertEquals(5, logged.size());
        List<byte[]> predicted = Rtmr.directBootRtmr1Log(logged.getFirst());
        for (int i = 1; i < 5; i++) {
            assertEquals(Vectors.hex(logged.get(i)), Vectors.hex(predicted.get(i)), "RTMR1 event " + i);
        }
        assertEquals(Vectors.hex(quote.rtmr(1)), Vectors.hex(Rtmr.directBootRtmr1(logged.getFirst())));
        // RTMR2 is the command line and the initrd; the log carries their digests but not the command line itself.
        List<byte[]> rtmr2 =
                log().stream().filter(e -> e.imr() == 2).map(Logged::digest).toList();
        assertEquals(Vectors.hex(quote.rtmr(2)), Vectors.hex(Rtmr.fold(rtmr2)));
        assertEquals(
                Vectors.hex(Rtmr.fold(List.of(Rtmr.cmdlineDigest("console=ttyS0"), rtmr2.get(1)))),
                Vectors.hex(Rtmr.directBootRtmr2("console=ttyS0", rtmr2.get(1))));
    }

    @Test
    void cmdlineDigestIsUtf16WithItsTerminator() throws Exception {
        byte[] expected = MessageDigest.getInstance("SHA-384").digest(new byte[] {'a', 0, 'b', 0, 0, 0});
        assertArrayEquals(expected, Rtmr.cmdlineDigest("ab"));
    }

    // --- MRTD on a synthetic TDVF ---

    static final long BFV_GPA = 0xFFFFD000L;
    static final long HOB_GPA = 0x809000L;
    static final long TEMP_GPA = 0x80A000L;
    static final int SIZE = 3 * 4096;

    /** A 12 KiB TDVF: one MR_EXTEND section over the whole file, a TD-HOB page (added only), a PAGE_AUG page. */
    static byte[] syntheticTdvf() {
        byte[] fw = new byte[SIZE];
        new Random(7).nextBytes(fw);
        ByteBuffer b = ByteBuffer.wrap(fw).order(ByteOrder.LITTLE_ENDIAN);
        int descriptor = SIZE - 512;
        b.put(descriptor, "TDVF".getBytes(StandardCharsets.US_ASCII));
        b.putInt(descriptor + 4, 16 + 3 * 32).putInt(descriptor + 8, 1).putInt(descriptor + 12, 3);
        section(b, descriptor + 16, 0, SIZE, BFV_GPA, SIZE, 0, 1);
        section(b, descriptor + 48, 0, 0, HOB_GPA, 4096, 2, 0);
        section(b, descriptor + 80, 0, 0, TEMP_GPA, 4096, 3, 2);
        int footer = SIZE - 32 - 18;
        b.putShort(footer, (short) 40);
        b.put(footer + 2, FirmwareFooterTable.FOOTER.bytes().toByteArray());
        int entry = footer - 18;
        b.putShort(entry, (short) 22);
        b.put(entry + 2, TdvfImage.TDX_METADATA.bytes().toByteArray());
        b.putInt(entry - 4, SIZE - descriptor);
        return fw;
    }

    private static void section(
            ByteBuffer b, int at, int dataOffset, int raw, long gpa, long memory, int type, int attributes) {
        b.putInt(at, dataOffset)
                .putInt(at + 4, raw)
                .putLong(at + 8, gpa)
                .putLong(at + 16, memory)
                .putInt(at + 24, type)
                .putInt(at + 28, attributes);
    }

    private static byte[] op(String name, long gpa) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.put(name.getBytes(StandardCharsets.US_ASCII));
        b.putLong(16, gpa);
        return b.array();
    }

    @Test
    void mrtdOfASyntheticTdvfFollowsTheTdxModuleStream() throws Exception {
        byte[] fw = syntheticTdvf();
        TdvfImage tdvf = TdvfImage.parse(fw);
        assertEquals(3, tdvf.sections().size());

        MessageDigest single = MessageDigest.getInstance("SHA-384");
        for (int p = 0; p < 3; p++) {
            single.update(op("MEM.PAGE.ADD", BFV_GPA + p * 4096L));
            for (int c = 0; c < 16; c++) {
                single.update(op("MR.EXTEND", BFV_GPA + p * 4096L + c * 256L));
                single.update(fw, p * 4096 + c * 256, 256);
            }
        }
        single.update(op("MEM.PAGE.ADD", HOB_GPA));
        assertArrayEquals(single.digest(), tdvf.mrtd(TdvfImage.PageAddOrder.SINGLE_PASS));

        MessageDigest two = MessageDigest.getInstance("SHA-384");
        for (int p = 0; p < 3; p++) {
            two.update(op("MEM.PAGE.ADD", BFV_GPA + p * 4096L));
        }
        for (int p = 0; p < 3; p++) {
            for (int c = 0; c < 16; c++) {
                two.update(op("MR.EXTEND", BFV_GPA + p * 4096L + c * 256L));
                two.update(fw, p * 4096 + c * 256, 256);
            }
        }
        two.update(op("MEM.PAGE.ADD", HOB_GPA));
        assertArrayEquals(two.digest(), tdvf.mrtd(TdvfImage.PageAddOrder.TWO_PASS));
    }

    @Test
    void malformedTdvfsAreRefusedWithTheirOffset() {
        int descriptor = SIZE - 512;
        assertRefused(
                fw -> fw[descriptor] = 'X', "TDVF descriptor signature at offset 0x" + Integer.toHexString(descriptor));
        assertRefused(fw -> fw[descriptor + 8] = 2, "TDVF descriptor version");
        assertRefused(fw -> fw[descriptor + 12] = 0, "TDVF section count");
        assertRefused(fw -> fw[descriptor + 12] = 100, "TDVF section count");
        assertRefused(
                fw -> fw[descriptor + 16 + 8] = 1,
                "TDVF section 0 memory address at offset 0x" + Integer.toHexString(descriptor + 16 + 8));
        assertRefused(
                fw -> fw[descriptor + 16 + 1] = 0x10,
                "TDVF section 0 raw data at offset 0x" + Integer.toHexString(descriptor + 16)
                        + ": offset 0x1000 + size 0x3000 runs past");
        assertRefused(fw -> fw[descriptor + 48 + 16 + 3] = 0x7f, "TDVF section 1 memory size");
        assertRefused(fw -> fw[descriptor + 80 + 28] = 4, "TDVF section 2 attributes");
        assertRefused(fw -> fw[SIZE - 32 - 18 - 18 - 4 + 1] = 0x7f, "TDX metadata offset-from-end");
        assertRefused(fw -> fw[SIZE - 32 - 18 - 18 + 2] ^= 1, "no TDX metadata entry");
        assertRefused(fw -> fw[SIZE - 32 - 16] ^= 1, "no footer table");
    }

    private interface Edit {
        void apply(byte[] fw);
    }

    private static void assertRefused(Edit edit, String phrase) {
        byte[] fw = syntheticTdvf();
        edit.apply(fw);
        String m = assertThrows(MeasurementException.class, () -> TdvfImage.parse(fw))
                .getMessage();
        assertTrue(m.contains(phrase), () -> "expected \"" + phrase + "\" in: " + m);
    }
}
