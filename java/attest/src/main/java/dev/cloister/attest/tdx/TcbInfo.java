package dev.cloister.attest.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attest.AttestationException;
import dev.cloister.base.Bytes;
import dev.cloister.base.Hex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Intel's signed TDX TCB info for one FMSPC (PCS "TCB Info" v4 API, {@code tcbInfo} version 3, id {@code "TDX"}),
 * parsed after its signature was verified (see {@link TdxCollateral}). {@link #evaluate} finds the TCB level of a quote
 * as Intel's quote verification library does.
 *
 * @param issueDate when Intel issued it
 * @param nextUpdate after this it is expired and refused
 * @param fmspc 6 bytes; must equal the PCK certificate's
 * @param pceId 2 bytes; must equal the PCK certificate's
 * @param tcbEvaluationDataNumber Intel's TCB recovery counter for this collateral
 * @param tdxModule the expected TDX module signer and attributes (used when no module identity applies)
 * @param tdxModuleIdentities per TDX module major version ({@code TDX_01}, ...), possibly empty
 * @param tcbLevels in Intel's order (highest first)
 */
public record TcbInfo(
        Instant issueDate,
        Instant nextUpdate,
        Bytes fmspc,
        Bytes pceId,
        int tcbEvaluationDataNumber,
        TdxModule tdxModule,
        List<TdxModuleIdentity> tdxModuleIdentities,
        List<Level> tcbLevels) {

    /** The TDX module's expected MRSIGNERSEAM (48 bytes) and SEAMATTRIBUTES under a mask (8 bytes each). */
    public record TdxModule(Bytes mrSigner, Bytes attributes, Bytes attributesMask) {}

    /** A TDX module identity ({@code id} = "TDX_" + the module's major version as two hex digits). */
    public record TdxModuleIdentity(String id, TdxModule module, List<ModuleLevel> tcbLevels) {
        public TdxModuleIdentity {
            tcbLevels = List.copyOf(tcbLevels);
        }
    }

    /** A TDX module TCB level: the module's ISVSVN (TEE_TCB_SVN[0]) at least {@code isvSvn}. */
    public record ModuleLevel(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
        public ModuleLevel {
            advisoryIds = List.copyOf(advisoryIds);
        }
    }

    /** A platform TCB level: SGX components and PCESVN (from the PCK certificate), TDX components (TEE_TCB_SVN). */
    public record Level(
            int[] sgxComponents,
            int pceSvn,
            int[] tdxComponents,
            Instant tcbDate,
            TcbStatus status,
            List<String> advisoryIds) {
        public Level {
            sgxComponents = sgxComponents.clone();
            tdxComponents = tdxComponents.clone();
            advisoryIds = List.copyOf(advisoryIds);
        }

        @Override
        public int[] sgxComponents() {
            return sgxComponents.clone();
        }

        @Override
        public int[] tdxComponents() {
            return tdxComponents.clone();
        }
    }

    public TcbInfo {
        tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
        tcbLevels = List.copyOf(tcbLevels);
    }

    /** Parses the {@code tcbInfo} object (its signature already verified). Only TDX TCB info version 3 is known. */
    static TcbInfo parse(byte[] signedObject) throws AttestationException {
        JsonNode o = PcsJson.parse(signedObject, "TCB info");
        String id = PcsJson.string(o, "id");
        if (!id.equals("TDX")) {
            throw AttestationException.mismatch("TCB info id", "TDX", TcbStatus.bounded(id));
        }
        int version = PcsJson.integer(o, "version", 1000);
        if (version != 3) {
            throw AttestationException.mismatch("TCB info version", 3, version);
        }
        int tcbType = PcsJson.integer(o, "tcbType", 1000);
        if (tcbType != 0) {
            throw AttestationException.mismatch("TCB info tcbType", 0, tcbType);
        }
        TdxModule module = module(PcsJson.field(o, "tdxModule"));
        List<TdxModuleIdentity> ids = new ArrayList<>();
        if (o.has("tdxModuleIdentities")) {
            for (JsonNode m : PcsJson.array(o, "tdxModuleIdentities", 0, 256)) {
                List<ModuleLevel> levels = new ArrayList<>();
                for (JsonNode l : PcsJson.array(m, "tcbLevels", 1, 256)) {
                    levels.add(new ModuleLevel(
                            PcsJson.integer(PcsJson.field(l, "tcb"), "isvsvn", 255),
                            PcsJson.instant(l, "tcbDate"),
                            TcbStatus.fromPcsName(PcsJson.string(l, "tcbStatus")),
                            PcsJson.advisories(l)));
                }
                ids.add(new TdxModuleIdentity(PcsJson.string(m, "id"), module(m), List.copyOf(levels)));
            }
        }
        List<Level> levels = new ArrayList<>();
        for (JsonNode l : PcsJson.array(o, "tcbLevels", 1, 1024)) {
            JsonNode tcb = PcsJson.field(l, "tcb");
            levels.add(new Level(
                    components(tcb, "sgxtcbcomponents"),
                    PcsJson.integer(tcb, "pcesvn", 65535),
                    components(tcb, "tdxtcbcomponents"),
                    PcsJson.instant(l, "tcbDate"),
                    TcbStatus.fromPcsName(PcsJson.string(l, "tcbStatus")),
                    PcsJson.advisories(l)));
        }
        return new TcbInfo(
                PcsJson.instant(o, "issueDate"),
                PcsJson.instant(o, "nextUpdate"),
                Bytes.of(PcsJson.hex(o, "fmspc", 6)),
                Bytes.of(PcsJson.hex(o, "pceId", 2)),
                PcsJson.integer(o, "tcbEvaluationDataNumber", Integer.MAX_VALUE),
                module,
                ids,
                levels);
    }

    private static TdxModule module(JsonNode m) throws AttestationException {
        return new TdxModule(
                Bytes.of(PcsJson.hex(m, "mrsigner", 48)),
                Bytes.of(PcsJson.hex(m, "attributes", 8)),
                Bytes.of(PcsJson.hex(m, "attributesMask", 8)));
    }

    private static int[] components(JsonNode tcb, String name) throws AttestationException {
        List<JsonNode> a = PcsJson.array(tcb, name, 16, 16);
        int[] out = new int[16];
        for (int i = 0; i < 16; i++) {
            out[i] = PcsJson.integer(a.get(i), "svn", 255);
        }
        return out;
    }

    /** The outcome of {@link #evaluate}: the matching platform level and the TDX module's status. */
    public record Evaluation(Level platformLevel, TcbStatus moduleStatus, String moduleIdentity) {}

    /**
     * Finds the TCB level of a quote (Intel's TDX TCB level algorithm, as in Intel's quote verification library):
     * <ol>
     * <li>the TDX module: if TEE_TCB_SVN[1] (the module's major version) is not 0 and this TCB info has module
     * identities, the identity {@code TDX_<version>} must exist, MRSIGNERSEAM must equal its signer and SEAMATTRIBUTES
     * under its mask its attributes, and its first level whose ISVSVN ≤ TEE_TCB_SVN[0] gives the module status;
     * otherwise MRSIGNERSEAM and SEAMATTRIBUTES are checked against {@code tdxModule} and the module status is that of
     * the platform level;</li>
     * <li>the platform: the first level (Intel sorts them highest first) whose 16 SGX components and PCESVN are each
     * ≤ those in the PCK certificate and whose TDX components are each ≤ TEE_TCB_SVN (indices 0 and 1, the module's
     * SVN and version, are left to the module identity when one applied).</li>
     * </ol>
     * No matching level means the TCB is not supported: refused.
     */
    public Evaluation evaluate(PckExtensions pck, byte[] teeTcbSvn, byte[] mrSignerSeam, byte[] seamAttributes)
            throws AttestationException {
        Objects.requireNonNull(pck, "pck");
        int version = teeTcbSvn[1] & 0xff;
        int isvSvn = teeTcbSvn[0] & 0xff;
        TcbStatus moduleStatus = null;
        String identity = "tdxModule";
        if (version != 0 && !tdxModuleIdentities.isEmpty()) {
            identity = String.format("TDX_%02X", version);
            TdxModuleIdentity found = null;
            for (TdxModuleIdentity m : tdxModuleIdentities) {
                if (m.id().equalsIgnoreCase(identity)) {
                    found = m;
                    break;
                }
            }
            if (found == null) {
                throw new AttestationException("the TCB info has no TDX module identity " + identity);
            }
            checkModule(found.module(), mrSignerSeam, seamAttributes, identity);
            for (ModuleLevel l : found.tcbLevels()) {
                if (isvSvn >= l.isvSvn()) {
                    moduleStatus = l.status();
                    break;
                }
            }
            if (moduleStatus == null) {
                throw new AttestationException("TDX module " + identity + " ISVSVN " + isvSvn
                        + " is below every TCB level of its identity: not supported");
            }
        } else {
            checkModule(tdxModule, mrSignerSeam, seamAttributes, "tdxModule");
        }
        int firstTdx = moduleStatus == null ? 0 : 2;
        int[] sgx = pck.sgxTcbComponents();
        for (Level l : tcbLevels) {
            if (atLeast(sgx, l.sgxComponents(), 0)
                    && pck.pceSvn() >= l.pceSvn()
                    && atLeast(unsigned(teeTcbSvn), l.tdxComponents(), firstTdx)) {
                return new Evaluation(l, moduleStatus == null ? l.status() : moduleStatus, identity);
            }
        }
        throw new AttestationException("no TCB level of the TCB info (FMSPC " + fmspc.hex()
                + ") matches the platform: PCK SGX TCB components " + Arrays.toString(sgx) + ", PCESVN "
                + pck.pceSvn() + ", TEE_TCB_SVN " + Hex.format(teeTcbSvn) + "; TCB not supported");
    }

    private static void checkModule(TdxModule m, byte[] mrSignerSeam, byte[] seamAttributes, String which)
            throws AttestationException {
        if (!m.mrSigner().contentEquals(mrSignerSeam)) {
            throw AttestationException.mismatch(
                    "MRSIGNERSEAM (" + which + ")", m.mrSigner().hex(), Hex.format(mrSignerSeam));
        }
        byte[] masked = new byte[8];
        for (int i = 0; i < 8; i++) {
            masked[i] = (byte) (seamAttributes[i] & m.attributesMask().get(i));
        }
        if (!m.attributes().contentEquals(masked)) {
            throw AttestationException.mismatch(
                    "SEAMATTRIBUTES under the mask (" + which + ")",
                    m.attributes().hex(),
                    Hex.format(masked));
        }
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }

    private static boolean atLeast(int[] actual, int[] level, int from) {
        for (int i = from; i < 16; i++) {
            if (actual[i] < level[i]) {
                return false;
            }
        }
        return true;
    }
}
