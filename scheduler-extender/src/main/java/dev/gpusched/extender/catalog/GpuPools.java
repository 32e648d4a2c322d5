package dev.gpusched.extender.catalog;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The cluster's GPU nodes grouped into pools, one per GPU product and network leaf. Products are matched without regard
 * to case, as gpusched matches {@code gpusched.dev/gpu-model} (one product to gpusched, one pool); leaves by their exact
 * label value, as gang placement tells leaves apart. Nodes without GPUs belong to no pool. Pure.
 */
public final class GpuPools {
  private final List<GpuPool> pools;
  private final Map<String, GpuPool> byNode;

  private GpuPools(List<GpuPool> pools, Map<String, GpuPool> byNode) {
    this.pools = pools;
    this.byNode = byNode;
  }

  /**
   * @param strandedMilli a node's free milli-GPU that its CPU left cannot feed (the server's fragmentation score's
   *     {@code strandedNow})
   * @param leafKey the node label key of the leaf, or null for one pool per product
   */
  public static GpuPools of(ClusterSnapshot snapshot, ToDoubleFunction<NodeGpuState> strandedMilli, String leafKey) {
    NodeGpuState[] nodes = snapshot.nodes().clone();
    Arrays.sort(nodes, Comparator.comparing(NodeGpuState::name));
    Map<List<String>, List<NodeGpuState>> groups = new HashMap<>();
    for (NodeGpuState n : nodes) {
      if (n.gpuCount() > 0) {
        groups.computeIfAbsent(partsOf(n, leafKey), k -> new ArrayList<>()).add(n);
      }
    }
    List<GpuPool> pools = new ArrayList<>();
    Map<String, GpuPool> byNode = new HashMap<>();
    for (Map.Entry<List<String>, List<NodeGpuState>> e : groups.entrySet()) {
      GpuPool pool = pool(e.getKey(), e.getValue(), strandedMilli);
      pools.add(pool);
      for (String node : pool.nodes()) {
        byNode.put(node, pool);
      }
    }
    pools.sort(Comparator.comparing(GpuPool::name));
    return new GpuPools(List.copyOf(pools), byNode);
  }

  /** Every pool, by name. */
  public List<GpuPool> pools() {
    return pools;
  }

  /** The pool of a node, or null for a node without GPUs or unknown to the snapshot. */
  public GpuPool poolOf(String node) {
    return byNode.get(node);
  }

  /** The product in lower case, then the leaf when the node has one: what the pool's name is made of. */
  private static List<String> partsOf(NodeGpuState n, String leafKey) {
    String leaf = leafKey == null ? null : n.info().labels().get(leafKey);
    return leaf == null ? List.of(n.productLowerCase()) : List.of(n.productLowerCase(), leaf);
  }

  private static GpuPool pool(List<String> parts, List<NodeGpuState> nodes, ToDoubleFunction<NodeGpuState> strandedMilli) {
    List<String> names = new ArrayList<>();
    int gpus = 0;
    int free = 0;
    double stranded = 0;
    int unhealthy = 0;
    int dcgm = 0;
    for (NodeGpuState n : nodes) {
      names.add(n.name());
      gpus += n.gpuCount();
      free += n.freeWholeCount();
      stranded += strandedMilli.applyAsDouble(n);
      unhealthy += Long.bitCount(n.unusableMask());
      dcgm += n.telemetry() != null ? 1 : 0;
    }
    String product = nodes.get(0).info().product() == null ? "" : nodes.get(0).info().product();
    String leaf = parts.size() > 1 ? parts.get(1) : null;
    String readable = (parts.get(0).isEmpty() ? "unknown-gpu-product" : parts.get(0)) + (leaf == null ? "" : "." + leaf);
    return new GpuPool(EntityNames.of(parts, readable), product, leaf, names, gpus, free, Math.round(stranded),
        unhealthy, dcgm);
  }
}
