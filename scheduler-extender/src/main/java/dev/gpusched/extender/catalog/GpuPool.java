package dev.gpusched.extender.catalog;

import java.util.List;

/**
 * The GPU nodes of one product in one network leaf, with their allocation figures: one {@code Resource} of the catalog.
 *
 * @param name the entity name ({@link EntityNames})
 * @param product the GPU product label as the first node (by name) has it; "" when the nodes carry none
 * @param leaf the leaf label value, or null for nodes without one
 * @param nodes the node names, sorted
 * @param gpus GPUs on those nodes
 * @param freeGpus GPUs free for a whole-GPU pod: not held, shared, unusable or reserved for a gang
 * @param strandedMilli free milli-GPU the nodes' CPU left cannot feed at the workload's CPU per GPU (fragmentation's
 *     stranded part)
 * @param unhealthyGpus GPUs excluded by a fatal XID or unusable node GPU data
 * @param dcgmNodes nodes with fresh DCGM metrics; the others are accounted on gpusched's ledger alone
 */
public record GpuPool(String name, String product, String leaf, List<String> nodes, int gpus, int freeGpus,
    long strandedMilli, int unhealthyGpus, int dcgmNodes) {

  public GpuPool {
    nodes = List.copyOf(nodes);
  }

  /**
   * {@code degraded} when a GPU is excluded, else {@code healthy} when DCGM reports on every node, else
   * {@code unknown} (some node has no fresh DCGM metrics: its health is not known).
   */
  public String dcgmHealth() {
    if (unhealthyGpus > 0) {
      return "degraded";
    }
    return dcgmNodes == nodes.size() ? "healthy" : "unknown";
  }
}
