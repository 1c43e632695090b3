package dev.cloister.attest.sevsnp;

/**
 * The EPYC generations whose AMD Root Keys (ARKs) are pinned. Each pin is the SHA-256 of the ARK certificate's DER,
 * as served by AMD KDS ({@code https://kdsintf.amd.com/vcek/v1/<product>/cert_chain}) and as committed in
 * {@code src/main/resources/dev/cloister/attest/sevsnp/} (see PROVENANCE.md there).
 */
public enum ProductLine {
    MILAN("Milan", TcbLayout.MILAN_GENOA, 0x19, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"),
    GENOA("Genoa", TcbLayout.MILAN_GENOA, 0x19, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"),
    TURIN("Turin", TcbLayout.TURIN, 0x1A, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");

    private final String kdsName;
    private final TcbLayout tcbLayout;
    private final int cpuidFamily;
    private final String arkSha256;

    ProductLine(String kdsName, TcbLayout tcbLayout, int cpuidFamily, String arkSha256) {
        this.kdsName = kdsName;
        this.tcbLayout = tcbLayout;
        this.cpuidFamily = cpuidFamily;
        this.arkSha256 = arkSha256;
    }

    /** The product name used by AMD KDS and in the ARK/ASK subject CNs ("ARK-Milan", "SEV-Milan"). */
    public String kdsName() {
        return kdsName;
    }

    public TcbLayout tcbLayout() {
        return tcbLayout;
    }

    /** CPUID Fn0000_0001_EAX extended family (report v3+ CPUID_FAM_ID): 19h for Zen 3/4, 1Ah for Zen 5. */
    public int cpuidFamily() {
        return cpuidFamily;
    }

    /** The pinned SHA-256 of AMD's ARK certificate (DER), lowercase hex. */
    public String arkSha256() {
        return arkSha256;
    }

    /** The product line whose VCEK productName extension this is ("Milan-B0" is Milan), if any. */
    static ProductLine fromVcekProductName(String productName) {
        for (ProductLine p : values()) {
            if (productName.equals(p.kdsName) || productName.startsWith(p.kdsName + "-")) {
                return p;
            }
        }
        return null;
    }
}
