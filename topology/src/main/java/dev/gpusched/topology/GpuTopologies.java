package dev.gpusched.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a node's {@link GpuTopology} comes from: the {@code gpusched.dev/gpu-topology} annotation (verbatim
 * {@code nvidia-smi topo -m} text or the compact form below), generated shapes (NVSwitch, flat PCIe), or a fallback
 * inferred from GPU feature discovery labels.
 *
 * <h2>Compact form</h2>
 * Fields separated by {@code ;} or newlines, blanks ignored:
 * <pre>
 *   gpus=8; numa=0x4,1x4; default=SYS; NV2=0-3,0-4,1-2,1-5,2-3,4-7,5-6,6-7; NV1=0-1,0-2,1-3,2-6,3-7,4-5,4-6,5-7
 * </pre>
 * <ul>
 *   <li>{@code gpus=N} (required, first): the GPU count, 1..64;</li>
 *   <li>{@code numa=...} (optional): each GPU's NUMA node in order, as numbers, {@code ?} for unknown, and
 *       {@code VxC} for C GPUs in a row on node V (e.g. {@code 0x4,1x4}); must cover all N GPUs; absent = all unknown;</li>
 *   <li>{@code CLASS=pairs} where CLASS is {@code NV<count>}, {@code PIX}, {@code PXB}, {@code PHB}, {@code NODE} or
 *       {@code SYS}, and pairs is {@code all} or a comma list of {@code a-b};</li>
 *   <li>{@code default=CLASS} (optional): the class of every pair not listed.</li>
 * </ul>
 * Each pair must get exactly one class. {@link #toCompact} writes this form; see also topology/TOPOLOGY-FORMATS.md.
 */
public final class GpuTopologies {

    /** A topology inferred from node labels, with the source that says how (shown by /inspect). */
    public record Inferred(GpuTopology topology, String source) {
    }

    private GpuTopologies() {
    }

    /**
     * Reads the {@code gpusched.dev/gpu-topology} annotation value: the compact form when it starts with {@code gpus=},
     * otherwise nvidia-smi topo -m text.
     *
     * @throws TopologyParseException naming the line and what was expected
     */
    public static GpuTopology fromAnnotation(String value) {
        if (value == null || value.isBlank()) {
            throw new TopologyParseException(0, "empty gpusched.dev/gpu-topology annotation: expected nvidia-smi topo -m "
                    + "text or the compact form 'gpus=N; numa=...; NV#=a-b,...; default=SYS'");
        }
        String trimmed = value.strip();
        if (trimmed.regionMatches(true, 0, "gpus", 0, 4)) {
            return parseCompact(value);
        }
        return NvidiaSmiTopoParser.parse(value);
    }

    /**
     * Like {@link #fromAnnotation} but also says which form the annotation used, for /inspect: source
     * {@code annotation:compact} or {@code annotation:nvidia-smi}.
     */
    public static Inferred readAnnotation(String value) {
        GpuTopology topology = fromAnnotation(value);
        boolean compact = value.strip().regionMatches(true, 0, "gpus", 0, 4);
        return new Inferred(topology, compact ? "annotation:compact" : "annotation:nvidia-smi");
    }

    /** The compact form of a topology; {@code fromAnnotation(toCompact(t)).equals(t)}. */
    public static String toCompact(GpuTopology t) {
        int n = t.gpuCount();
        StringBuilder sb = new StringBuilder("gpus=").append(n);
        String numa = numaList(t);
        if (!numa.isEmpty()) {
            sb.append(";numa=").append(numa);
        }
        Map<String, List<String>> byLabel = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                String label = LinkClass.label(t.linkClass(a, b), t.nvlinkCount(a, b));
                if (!byLabel.containsKey(label)) {
                    order.add(label);
                }
                byLabel.computeIfAbsent(label, x -> new ArrayList<>()).add(a + "-" + b);
            }
        }
        order.sort((x, y) -> Long.compare(rank(x), rank(y)));
        String defaultLabel = null;
        for (String label : order) {
            if (defaultLabel == null || byLabel.get(label).size() > byLabel.get(defaultLabel).size()) {
                defaultLabel = label;
            }
        }
        if (order.size() == 1 && defaultLabel != null) {
            return sb.append(';').append(defaultLabel).append("=all").toString();
        }
        if (defaultLabel != null) {
            sb.append(";default=").append(defaultLabel);
        }
        for (String label : order) {
            if (!label.equals(defaultLabel)) {
                sb.append(';').append(label).append('=').append(String.join(",", byLabel.get(label)));
            }
        }
        return sb.toString();
    }

    /** An NVSwitch (all-to-all NVLink) node: every pair NV{@code linksPerPair}; GPUs split evenly, in order, over
     * {@code numaNodes} NUMA nodes (0 = NUMA unknown). */
    public static GpuTopology nvSwitch(int n, int linksPerPair, int numaNodes) {
        if (linksPerPair < 1) {
            throw new IllegalArgumentException("NVSwitch links per pair must be >= 1, was " + linksPerPair);
        }
        if (numaNodes < 0 || numaNodes > n) {
            throw new IllegalArgumentException("NUMA nodes must be 0 (unknown) .. " + n + ", was " + numaNodes);
        }
        GpuTopology.Builder b = GpuTopology.builder(n);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                b.link(i, j, LinkClass.NV, linksPerPair);
            }
            b.numa(i, numaNodes == 0 ? -1 : i * numaNodes / n);
        }
        return b.build();
    }

    /**
     * A node whose topology is unknown: every pair SYS (no better link assumed), NUMA unknown. Every subset is then as
     * good as any other, and {@code numa} or {@code nvlink} requests for 2+ GPUs cannot be met.
     */
    public static GpuTopology flatPcie(int n) {
        GpuTopology.Builder b = GpuTopology.builder(n);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                b.link(i, j, LinkClass.SYS, 0);
            }
        }
        return b.build();
    }

    /**
     * Fallback from GPU feature discovery labels ({@code nvidia.com/gpu.product}, {@code nvidia.com/gpu.count}): 8 GPUs
     * of a known SXM product (H100 SXM/HBM3 and H200: NV18; A100 SXM4: NV12; B200: NV18) are NVSwitch all-to-all with
     * NUMA unknown, source {@code gfd:nvswitch(<product>)}; anything else is {@link #flatPcie}, source
     * {@code gfd:flat-pcie}.
     *
     * @throws IllegalArgumentException when count is outside 1..64
     */
    public static Inferred fromFeatureDiscovery(String product, int count) {
        if (count < 1 || count > GpuTopology.MAX_GPUS) {
            throw new IllegalArgumentException("nvidia.com/gpu.count must be 1.." + GpuTopology.MAX_GPUS + ", was " + count);
        }
        int links = count == 8 && product != null ? nvSwitchLinks(product.toUpperCase(Locale.ROOT)) : 0;
        if (links > 0) {
            return new Inferred(nvSwitch(count, links, 0), "gfd:nvswitch(" + product.strip() + ")");
        }
        return new Inferred(flatPcie(count), "gfd:flat-pcie");
    }

    private static int nvSwitchLinks(String p) {
        boolean pcie = p.contains("PCIE") || p.contains("NVL");
        if (pcie) {
            return 0;
        }
        if (p.contains("H100") && (p.contains("SXM") || p.contains("HBM3"))) {
            return 18;
        }
        if (p.contains("H200") || p.contains("B200")) {
            return 18;
        }
        if (p.contains("A100") && p.contains("SXM")) {
            return 12;
        }
        return 0;
    }

    private static String numaList(GpuTopology t) {
        int n = t.gpuCount();
        boolean anyKnown = false;
        for (int i = 0; i < n; i++) {
            anyKnown |= t.numaNode(i) >= 0;
        }
        if (!anyKnown) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < n) {
            int j = i;
            while (j < n && t.numaNode(j) == t.numaNode(i)) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(t.numaNode(i) < 0 ? "?" : Integer.toString(t.numaNode(i)));
            if (j - i > 1) {
                sb.append('x').append(j - i);
            }
            i = j;
        }
        return sb.toString();
    }

    private static long rank(String label) {
        int[] nv = new int[1];
        LinkClass c = LinkClass.parseToken(label, nv);
        return c == LinkClass.NV ? -nv[0] : c.ordinal();
    }

    private static GpuTopology parseCompact(String text) {
        String[] lines = text.split("\r?\n|\r", -1);
        List<String[]> fields = new ArrayList<>();
        for (int line = 0; line < lines.length; line++) {
            for (String field : lines[line].split(";")) {
                if (!field.isBlank()) {
                    fields.add(new String[] {field.strip(), Integer.toString(line + 1)});
                }
            }
        }
        String[] first = fields.get(0);
        int n = parseGpus(first[0], Integer.parseInt(first[1]));
        GpuTopology.Builder builder = GpuTopology.builder(n);
        LinkClass defaultClass = null;
        int defaultNv = 0;
        int[] nv = new int[1];
        for (int f = 1; f < fields.size(); f++) {
            String field = fields.get(f)[0];
            int line = Integer.parseInt(fields.get(f)[1]);
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new TopologyParseException(line, "expected 'key=value' (gpus, numa, default, or a link class), found '"
                        + field + "'");
            }
            String key = field.substring(0, eq).strip();
            String value = field.substring(eq + 1).replaceAll("\\s+", "");
            if (key.equalsIgnoreCase("gpus")) {
                throw new TopologyParseException(line, "expected gpus= only once, as the first field");
            } else if (key.equalsIgnoreCase("numa")) {
                parseNuma(value, n, builder, line);
            } else if (key.equalsIgnoreCase("default")) {
                defaultClass = LinkClass.parseToken(value, nv);
                defaultNv = nv[0];
                if (defaultClass == null || defaultClass == LinkClass.SELF) {
                    throw new TopologyParseException(line, "expected a link class (NV#, PIX, PXB, PHB, NODE, SYS) after "
                            + "default=, found '" + value + "'");
                }
            } else {
                LinkClass c = LinkClass.parseToken(key, nv);
                if (c == null || c == LinkClass.SELF) {
                    throw new TopologyParseException(line, "expected a field name gpus, numa, default or a link class "
                            + "(NV#, PIX, PXB, PHB, NODE, SYS), found '" + key + "'");
                }
                parsePairs(value, key, c, nv[0], n, builder, line);
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                if (!builder.isLinked(a, b)) {
                    if (defaultClass == null) {
                        throw new TopologyParseException(0, "pair " + a + "-" + b + " has no link class: list it under a "
                                + "class or add default=<class>, e.g. default=SYS");
                    }
                    builder.link(a, b, defaultClass, defaultNv);
                }
            }
        }
        return builder.build();
    }

    private static int parseGpus(String field, int line) {
        String[] kv = field.split("=", 2);
        if (kv.length != 2 || !kv[0].strip().equalsIgnoreCase("gpus")) {
            throw new TopologyParseException(line, "expected the compact form to start with gpus=N, found '" + field + "'");
        }
        try {
            int n = Integer.parseInt(kv[1].strip());
            if (n >= 1 && n <= GpuTopology.MAX_GPUS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TopologyParseException(line, "expected a GPU count 1.." + GpuTopology.MAX_GPUS + " after gpus=, found '"
                + kv[1].strip() + "'");
    }

    private static void parseNuma(String value, int n, GpuTopology.Builder builder, int line) {
        int gpu = 0;
        for (String entry : value.split(",")) {
            String[] parts = entry.split("[xX]", 2);
            int node;
            int repeat = 1;
            try {
                node = parts[0].equals("?") ? -1 : Integer.parseInt(parts[0]);
                if (parts.length == 2) {
                    repeat = Integer.parseInt(parts[1]);
                }
            } catch (NumberFormatException e) {
                node = -2;
            }
            if (node < -1 || repeat < 1) {
                throw new TopologyParseException(line, "expected a NUMA entry like 0, ? or 1x4 in numa=, found '" + entry
                        + "'");
            }
            for (int r = 0; r < repeat; r++) {
                if (gpu >= n) {
                    throw new TopologyParseException(line, "expected NUMA nodes for " + n + " GPUs in numa=, found more");
                }
                builder.numa(gpu++, node);
            }
        }
        if (gpu != n) {
            throw new TopologyParseException(line, "expected NUMA nodes for " + n + " GPUs in numa=, found " + gpu);
        }
    }

    private static void parsePairs(String value, String key, LinkClass c, int nvlinks, int n, GpuTopology.Builder builder,
                                   int line) {
        if (value.equalsIgnoreCase("all")) {
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    linkOnce(builder, a, b, c, nvlinks, key, line);
                }
            }
            return;
        }
        for (String pair : value.split(",")) {
            String[] ab = pair.split("-", 2);
            int a = -1;
            int b = -1;
            try {
                if (ab.length == 2) {
                    a = Integer.parseInt(ab[0]);
                    b = Integer.parseInt(ab[1]);
                }
            } catch (NumberFormatException e) {
                a = -1;
            }
            if (a < 0 || b < 0 || a >= n || b >= n || a == b) {
                throw new TopologyParseException(line, "expected a pair a-b of distinct GPUs in 0.." + (n - 1) + " under "
                        + key + ", found '" + pair + "'");
            }
            linkOnce(builder, a, b, c, nvlinks, key, line);
        }
    }

    private static void linkOnce(GpuTopology.Builder builder, int a, int b, LinkClass c, int nvlinks, String key,
                                 int line) {
        if (builder.isLinked(a, b)) {
            throw new TopologyParseException(line, "expected each pair once, found " + a + "-" + b + " under " + key
                    + " after it was already given as " + builder.labelOf(a, b));
        }
        builder.link(a, b, c, nvlinks);
    }
}
