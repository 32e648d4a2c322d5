package dev.gpusched.topology;

import java.util.Locale;

/**
 * The class of the connection between two GPUs, as {@code nvidia-smi topo -m} names it, ordered from best to worst.
 *
 * <p>{@link #NV} is a bonded set of NVLinks (its link count is kept beside the class, see
 * {@link GpuTopology#nvlinkCount(int, int)}); the PCIe classes follow from the shortest to the longest path:
 * {@code PIX > PXB > PHB > NODE > SYS}. {@link #SELF} is the diagonal ({@code X}).
 */
public enum LinkClass {
    /** The GPU itself ({@code X}). */
    SELF("X"),
    /** A bonded set of NVLinks ({@code NV#}). */
    NV("NV#"),
    /** At most a single PCIe bridge. */
    PIX("PIX"),
    /** Multiple PCIe bridges, without the host bridge. */
    PXB("PXB"),
    /** Through a PCIe host bridge (typically the CPU). */
    PHB("PHB"),
    /** Between PCIe host bridges within one NUMA node. */
    NODE("NODE"),
    /** Across the SMP interconnect between NUMA nodes (QPI/UPI). */
    SYS("SYS");

    /** The list of link classes as an error message shows it. */
    public static final String EXPECTED = "X, NV#, PIX, PXB, PHB, NODE, SYS";

    private final String token;

    LinkClass(String token) {
        this.token = token;
    }

    /** The token as nvidia-smi prints it ({@code NV#} for NVLink, where # is the link count). */
    public String token() {
        return token;
    }

    /** True for the PCIe classes PIX, PXB, PHB, NODE and SYS. */
    public boolean isPcie() {
        return ordinal() >= PIX.ordinal();
    }

    /**
     * The relative bandwidth weight of one link of this class: NV# weighs 10 per bonded link (so even NV1 beats every
     * PCIe class), then PIX 5, PXB 4, PHB 3, NODE 2, SYS 1. Capped at 1000 so sums stay within the packed keys.
     */
    public static int weight(LinkClass linkClass, int nvlinks) {
        return switch (linkClass) {
            case SELF -> 0;
            case NV -> Math.min(1000, 10 * nvlinks);
            case PIX -> 5;
            case PXB -> 4;
            case PHB -> 3;
            case NODE -> 2;
            case SYS -> 1;
        };
    }

    /** The nvidia-smi token for a link: {@code X}, {@code NV12}, {@code PIX}, ... */
    public static String label(LinkClass linkClass, int nvlinks) {
        return linkClass == NV ? "NV" + nvlinks : linkClass.token;
    }

    /**
     * Parses one nvidia-smi cell: {@code X}, {@code NV<count>}, {@code PIX}, {@code PXB}, {@code PHB}, {@code NODE},
     * {@code SYS} (and the old names {@code SOC} for SYS and {@code PSB} for PXB). Returns the class and puts the NVLink
     * count in {@code nvlinksOut[0]} (0 for PCIe), or returns null when the token is not a link class.
     */
    static LinkClass parseToken(String token, int[] nvlinksOut) {
        String t = token.trim().toUpperCase(Locale.ROOT);
        nvlinksOut[0] = 0;
        switch (t) {
            case "X": return SELF;
            case "PIX": return PIX;
            case "PXB": case "PSB": return PXB;
            case "PHB": return PHB;
            case "NODE": return NODE;
            case "SYS": case "SOC": return SYS;
            default: break;
        }
        if (t.length() > 2 && t.startsWith("NV")) {
            String digits = t.substring(2);
            if (digits.length() <= 3 && digits.chars().allMatch(Character::isDigit)) {
                int count = Integer.parseInt(digits);
                if (count >= 1) {
                    nvlinksOut[0] = count;
                    return NV;
                }
            }
        }
        return null;
    }
}
