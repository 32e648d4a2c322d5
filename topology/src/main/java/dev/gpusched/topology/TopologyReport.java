package dev.gpusched.topology;

/** Renders a topology for operators ({@code ./gpusched topo FILE}): the parsed model, then the best choice for each k. */
public final class TopologyReport {
    private TopologyReport() {
    }

    /** The model (link matrix, NUMA nodes, compact form, class id) and, with all GPUs free, the best k GPUs for k = 1..n. */
    public static String render(GpuTopology t) {
        TopologyClass cls = TopologyClass.of(t);
        int n = t.gpuCount();
        long all = t.allGpusMask();
        StringBuilder sb = new StringBuilder();
        sb.append("Topology class ").append(cls.id()).append('\n');
        sb.append(t.describe());
        sb.append("Compact form: ").append(GpuTopologies.toCompact(t)).append("\n\n");
        sb.append("Best choice with all GPUs free (policy prefer-nvlink):\n");
        sb.append(String.format("%3s  %-24s %-10s %-10s %-8s %s%n", "k", "GPUs", "weakest", "NUMA", "quality",
                "nvlink required"));
        for (int k = 1; k <= n; k++) {
            long chosen = cls.choose(all, k, IntraNodePolicy.PREFER_NVLINK);
            int quality = cls.quality(all, k, IntraNodePolicy.PREFER_NVLINK);
            long nvlink = cls.choose(all, k, IntraNodePolicy.NVLINK);
            sb.append(String.format("%3d  %-24s %-10s %-10s %-8d %s%n", k, TopologyClass.gpuList(chosen),
                    weakestLabel(t, chosen), numaLabel(t, chosen), quality,
                    nvlink == 0 ? "impossible" : "GPUs " + TopologyClass.gpuList(nvlink)));
        }
        return sb.toString();
    }

    private static String weakestLabel(GpuTopology t, long chosen) {
        if (Long.bitCount(chosen) < 2) {
            return "-";
        }
        int weakest = PlacementMetrics.weakest(t, chosen);
        for (long a = chosen; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                int j = Long.numberOfTrailingZeros(b);
                if (t.linkWeight(i, j) == weakest) {
                    return LinkClass.label(t.linkClass(i, j), t.nvlinkCount(i, j));
                }
            }
        }
        return "?";
    }

    private static String numaLabel(GpuTopology t, long chosen) {
        StringBuilder sb = new StringBuilder();
        for (long a = chosen; a != 0; a &= a - 1) {
            int g = Long.numberOfTrailingZeros(a);
            String node = t.numaNode(g) < 0 ? "?" : Integer.toString(t.numaNode(g));
            boolean seen = false;
            for (String s : sb.toString().split(",")) {
                seen |= s.equals(node);
            }
            if (!seen) {
                sb.append(sb.length() > 0 ? "," : "").append(node);
            }
        }
        return sb.toString();
    }
}
