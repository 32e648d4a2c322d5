package dev.gpusched.topology;

/**
 * One edge of the intra-node graph: the connection between GPUs {@code a < b}, its class and (for NVLink) its bonded link
 * count. The edge weight in {@link GpuTopology#graph()} is {@link #weight()}.
 */
public record GpuLink(int a, int b, LinkClass linkClass, int nvlinks) {

    /** Relative bandwidth weight, see {@link LinkClass#weight(LinkClass, int)}. */
    public int weight() {
        return LinkClass.weight(linkClass, nvlinks);
    }

    /** nvidia-smi token of this link, e.g. {@code NV12} or {@code SYS}. */
    public String label() {
        return LinkClass.label(linkClass, nvlinks);
    }
}
