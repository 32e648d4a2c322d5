package dev.gpusched.topology;

import java.util.Arrays;
import org.jgrapht.Graph;
import org.jgrapht.graph.AsUnmodifiableGraph;
import org.jgrapht.graph.SimpleWeightedGraph;

/**
 * The immutable intra-node model: GPUs {@code 0..n-1} as vertices of a complete JGraphT graph whose edges carry the link
 * class (NV#, PIX, PXB, PHB, NODE, SYS) between each pair, plus each GPU's NUMA node (-1 when unknown).
 *
 * <p>Equality is by content (link classes, NVLink counts and NUMA nodes), so nodes with identical hardware share one
 * {@link TopologyClass}. Per-pair queries read flat arrays; {@link #graph()} is the same model as a graph.
 */
public final class GpuTopology {
    /** The largest GPU count the model handles: GPU sets are {@code long} bitmasks. */
    public static final int MAX_GPUS = 64;

    private final int n;
    private final byte[] classes;
    private final int[] nvlinks;
    private final int[] weights;
    private final int[] numa;
    private final int hash;
    private final Graph<Integer, GpuLink> graph;

    private GpuTopology(int n, byte[] classes, int[] nvlinks, int[] numa) {
        this.n = n;
        this.classes = classes;
        this.nvlinks = nvlinks;
        this.numa = numa;
        this.weights = new int[n * n];
        SimpleWeightedGraph<Integer, GpuLink> g = new SimpleWeightedGraph<>(null, null);
        for (int i = 0; i < n; i++) {
            g.addVertex(i);
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                weights[a * n + b] = LinkClass.weight(linkClass(a, b), nvlinks[a * n + b]);
                if (a < b) {
                    GpuLink link = new GpuLink(a, b, linkClass(a, b), nvlinks[a * n + b]);
                    g.addEdge(a, b, link);
                    g.setEdgeWeight(link, link.weight());
                }
            }
        }
        this.graph = new AsUnmodifiableGraph<>(g);
        this.hash = 31 * (31 * Arrays.hashCode(classes) + Arrays.hashCode(nvlinks)) + Arrays.hashCode(numa);
    }

    /** Starts a topology of {@code gpuCount} GPUs; every pair must be linked before {@link Builder#build()}. */
    public static Builder builder(int gpuCount) {
        return new Builder(gpuCount);
    }

    /** Number of GPUs on the node. */
    public int gpuCount() {
        return n;
    }

    /** Link class between two GPUs; {@link LinkClass#SELF} when {@code a == b}. */
    public LinkClass linkClass(int a, int b) {
        return LinkClass.values()[classes[index(a, b)]];
    }

    /** Number of bonded NVLinks between two GPUs, 0 when they are not NVLink-connected. */
    public int nvlinkCount(int a, int b) {
        return nvlinks[index(a, b)];
    }

    /** True when the two distinct GPUs share an NVLink. */
    public boolean isNvlink(int a, int b) {
        return nvlinks[index(a, b)] > 0;
    }

    /** Relative bandwidth weight of the link between two GPUs ({@link LinkClass#weight}); 0 for {@code a == b}. */
    public int linkWeight(int a, int b) {
        return weights[index(a, b)];
    }

    /** NUMA node of the GPU's CPU affinity, -1 when unknown. */
    public int numaNode(int gpu) {
        if (gpu < 0 || gpu >= n) {
            throw new IndexOutOfBoundsException("GPU " + gpu + " out of range 0.." + (n - 1));
        }
        return numa[gpu];
    }

    /** Bitmask with one bit per GPU. */
    public long allGpusMask() {
        return n == 64 ? -1L : (1L << n) - 1;
    }

    /** The model as an unmodifiable complete JGraphT graph: GPU indices as vertices, weighted {@link GpuLink} edges. */
    public Graph<Integer, GpuLink> graph() {
        return graph;
    }

    /** The link matrix in nvidia-smi style with each GPU's NUMA node, for operators. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(n).append(" GPU").append(n == 1 ? "" : "s").append('\n');
        sb.append(String.format("%-6s", ""));
        for (int b = 0; b < n; b++) {
            sb.append(String.format("%-6s", "GPU" + b));
        }
        sb.append("NUMA\n");
        for (int a = 0; a < n; a++) {
            sb.append(String.format("%-6s", "GPU" + a));
            for (int b = 0; b < n; b++) {
                sb.append(String.format("%-6s", LinkClass.label(linkClass(a, b), nvlinkCount(a, b))));
            }
            sb.append(numa[a] < 0 ? "unknown" : Integer.toString(numa[a])).append('\n');
        }
        return sb.toString();
    }

    private int index(int a, int b) {
        if (a < 0 || a >= n || b < 0 || b >= n) {
            throw new IndexOutOfBoundsException("GPU pair " + a + "/" + b + " out of range 0.." + (n - 1));
        }
        return a * n + b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuTopology t && t.n == n && Arrays.equals(t.classes, classes)
                && Arrays.equals(t.nvlinks, nvlinks) && Arrays.equals(t.numa, numa);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "GpuTopology[" + GpuTopologies.toCompact(this) + "]";
    }

    /** Collects the pairwise links and NUMA nodes; checks that every pair is set before building. */
    public static final class Builder {
        private final int n;
        private final byte[] classes;
        private final int[] nvlinks;
        private final int[] numa;

        private Builder(int n) {
            if (n < 1 || n > MAX_GPUS) {
                throw new IllegalArgumentException("GPU count must be 1.." + MAX_GPUS + ", was " + n);
            }
            this.n = n;
            this.classes = new byte[n * n];
            this.nvlinks = new int[n * n];
            this.numa = new int[n];
            Arrays.fill(classes, (byte) -1);
            Arrays.fill(numa, -1);
            for (int i = 0; i < n; i++) {
                classes[i * n + i] = (byte) LinkClass.SELF.ordinal();
            }
        }

        /** Sets the link between distinct GPUs a and b (both directions); {@code nvlinks} is used only for NV. */
        public Builder link(int a, int b, LinkClass linkClass, int nvlinkCount) {
            if (a < 0 || a >= n || b < 0 || b >= n || a == b) {
                throw new IllegalArgumentException("link needs two distinct GPUs in 0.." + (n - 1) + ", was " + a + "/" + b);
            }
            if (linkClass == LinkClass.SELF) {
                throw new IllegalArgumentException("GPU" + a + "/GPU" + b + ": X (self) is only valid on the diagonal");
            }
            if (linkClass == LinkClass.NV && nvlinkCount < 1) {
                throw new IllegalArgumentException("GPU" + a + "/GPU" + b + ": NV needs a link count >= 1");
            }
            int count = linkClass == LinkClass.NV ? nvlinkCount : 0;
            classes[a * n + b] = classes[b * n + a] = (byte) linkClass.ordinal();
            nvlinks[a * n + b] = nvlinks[b * n + a] = count;
            return this;
        }

        /** Sets one GPU's NUMA node (-1 for unknown). */
        public Builder numa(int gpu, int numaNode) {
            if (gpu < 0 || gpu >= n) {
                throw new IllegalArgumentException("GPU " + gpu + " out of range 0.." + (n - 1));
            }
            if (numaNode < -1) {
                throw new IllegalArgumentException("NUMA node of GPU" + gpu + " must be >= 0 or -1 (unknown), was " + numaNode);
            }
            numa[gpu] = numaNode;
            return this;
        }

        /** True when the pair already has a link class. */
        public boolean isLinked(int a, int b) {
            return classes[a * n + b] >= 0;
        }

        /** nvidia-smi token of a pair already linked (e.g. {@code NV12}), "?" when not yet set. */
        String labelOf(int a, int b) {
            byte c = classes[a * n + b];
            return c < 0 ? "?" : LinkClass.label(LinkClass.values()[c], nvlinks[a * n + b]);
        }

        /** The immutable topology; fails naming the first pair without a link. */
        public GpuTopology build() {
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    if (classes[a * n + b] < 0) {
                        throw new IllegalArgumentException("no link class given for GPU" + a + "/GPU" + b);
                    }
                }
            }
            return new GpuTopology(n, classes.clone(), nvlinks.clone(), numa.clone());
        }
    }
}
