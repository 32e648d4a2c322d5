package dev.gpusched.gang;

import java.util.ArrayList;
import java.util.List;

/**
 * Text forms written in pod annotations: GPU index lists ({@code 0,1,2,3}) and whole gang plans.
 *
 * <p>A plan is its places in slot order separated by {@code ;}, each {@code node:gpuIds} optionally followed by
 * {@code @intraPolicyId}, e.g. {@code node-a:0,1,2,3@nvlink;node-b:4,5,6,7@nvlink}. Node names and policy ids may not
 * contain {@code ; : @ ,}.
 */
public final class GangPlanCodec {
    private GangPlanCodec() {
    }

    /** One place of a decoded plan. */
    public record Entry(String node, long gpuMask, MemberDemand demand) {
    }

    /** GPU indices of a mask, ascending, comma-separated. */
    public static String gpuIds(long mask) {
        StringBuilder sb = new StringBuilder();
        long m = mask;
        while (m != 0) {
            int i = Long.numberOfTrailingZeros(m);
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            m &= m - 1;
        }
        return sb.toString();
    }

    /**
     * Parses comma-separated GPU indices 0..63.
     *
     * @throws IllegalArgumentException naming the bad element
     */
    public static long parseGpuIds(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("GPU id list is empty; expected e.g. 0,1,2,3");
        }
        long mask = 0;
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            if (!p.matches("[0-9]{1,2}") || Integer.parseInt(p) > 63) {
                throw new IllegalArgumentException("GPU id '" + part + "' in '" + text + "' is not an index 0..63");
            }
            long bit = 1L << Integer.parseInt(p);
            if ((mask & bit) != 0) {
                throw new IllegalArgumentException("GPU id " + p + " appears twice in '" + text + "'");
            }
            mask |= bit;
        }
        return mask;
    }

    /** The plan text of a reservation's places. */
    public static String encode(List<ReservedSlot> slots) {
        StringBuilder sb = new StringBuilder();
        for (ReservedSlot s : slots) {
            if (sb.length() > 0) {
                sb.append(';');
            }
            checkToken(s.node(), "node name");
            sb.append(s.node()).append(':').append(gpuIds(s.gpuMask()));
            if (!s.demand().intraPolicyId().isEmpty()) {
                checkToken(s.demand().intraPolicyId(), "intra-node policy id");
                sb.append('@').append(s.demand().intraPolicyId());
            }
        }
        return sb.toString();
    }

    /**
     * Decodes plan text.
     *
     * @throws IllegalArgumentException naming the bad place (1-based) and what was expected
     */
    public static List<Entry> decode(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("gang plan is empty; expected node:gpuIds[@policy];...");
        }
        String[] parts = text.split(";", -1);
        List<Entry> out = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            int colon = p.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("gang plan place " + (i + 1) + " '" + parts[i]
                        + "' is not node:gpuIds[@policy]");
            }
            String node = p.substring(0, colon);
            String rest = p.substring(colon + 1);
            String policy = "";
            int at = rest.indexOf('@');
            if (at >= 0) {
                policy = rest.substring(at + 1);
                rest = rest.substring(0, at);
            }
            long mask;
            try {
                mask = parseGpuIds(rest);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gang plan place " + (i + 1) + ": " + e.getMessage(), e);
            }
            out.add(new Entry(node, mask, new MemberDemand(Long.bitCount(mask), policy)));
        }
        return out;
    }

    private static void checkToken(String s, String what) {
        for (char c : new char[] {';', ':', '@', ','}) {
            if (s.indexOf(c) >= 0) {
                throw new IllegalArgumentException(what + " '" + s + "' contains '" + c + "', which gang plan text "
                        + "cannot hold");
            }
        }
    }
}
