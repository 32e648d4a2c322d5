package dev.gpusched.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generated topology-rich GPU cluster: leaves (top-of-rack switches) under spines, each leaf holding DGX-class nodes
 * (8 GPUs on NVSwitch: every GPU set is NVLink-connected), PCIe nodes with NVLink bridges in pairs (8 GPUs; only a pair
 * is connected) and PCIe-only nodes (4 GPUs, no NVLink).
 *
 * @param nodes in leaf order
 * @param leaf the leaf of each node
 * @param fabric the intra-node GPU interconnect of each node
 */
public record SyntheticCluster(List<TraceNode> nodes, int[] leaf, Fabric[] fabric, int leaves, int spines) {
  /** Intra-node GPU interconnect. */
  public enum Fabric {
    NVSWITCH, NVLINK_PAIRS, PCIE_ONLY;

    /** True when every two GPUs of {@code mask} share an NVLink (trivially for one GPU). */
    public boolean fullyConnected(long mask) {
      if (Long.bitCount(mask) <= 1) {
        return true;
      }
      return switch (this) {
        case NVSWITCH -> true;
        case NVLINK_PAIRS -> {
          int low = Long.numberOfTrailingZeros(mask);
          long pair = 3L << (low & ~1);
          yield (mask & ~pair) == 0;
        }
        case PCIE_ONLY -> false;
      };
    }
  }

  /**
   * @param leaves leaf switches; every 4 leaves share a spine
   * @param dgxPerLeaf, pairsPerLeaf, pciePerLeaf nodes of each kind per leaf
   */
  public static SyntheticCluster generate(int leaves, int dgxPerLeaf, int pairsPerLeaf, int pciePerLeaf) {
    List<TraceNode> nodes = new ArrayList<>();
    List<Integer> leafOf = new ArrayList<>();
    List<Fabric> fabrics = new ArrayList<>();
    for (int l = 0; l < leaves; l++) {
      for (int i = 0; i < dgxPerLeaf; i++) {
        nodes.add(new TraceNode(String.format("leaf%02d-dgx%d", l, i), 224_000, 2_048_000, 8, "H100"));
        leafOf.add(l);
        fabrics.add(Fabric.NVSWITCH);
      }
      for (int i = 0; i < pairsPerLeaf; i++) {
        nodes.add(new TraceNode(String.format("leaf%02d-nvl%d", l, i), 128_000, 1_024_000, 8, "A100-PCIE"));
        leafOf.add(l);
        fabrics.add(Fabric.NVLINK_PAIRS);
      }
      for (int i = 0; i < pciePerLeaf; i++) {
        nodes.add(new TraceNode(String.format("leaf%02d-pcie%d", l, i), 64_000, 512_000, 4, "L40S"));
        leafOf.add(l);
        fabrics.add(Fabric.PCIE_ONLY);
      }
    }
    int[] leaf = new int[leafOf.size()];
    for (int i = 0; i < leaf.length; i++) {
      leaf[i] = leafOf.get(i);
    }
    return new SyntheticCluster(nodes, leaf, fabrics.toArray(new Fabric[0]), leaves, (leaves + 3) / 4);
  }

  /** Leaf label key (the gang planner's default leaf level). */
  public static final String LEAF_LABEL = "network.topology.nvidia.com/leaf";
  /** Spine label key (the gang planner's default spine level). */
  public static final String SPINE_LABEL = "network.topology.nvidia.com/spine";

  /**
   * Each node's inter-node topology labels, as NVIDIA's topology labeller would set them: its leaf ({@code leaf03})
   * and its spine ({@code spine0}, every 4 leaves).
   */
  public List<Map<String, String>> labels() {
    List<Map<String, String>> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      out.add(Map.of(LEAF_LABEL, String.format("leaf%02d", leaf[i]), SPINE_LABEL, "spine" + leaf[i] / 4));
    }
    return out;
  }

  public long totalGpuMilli() {
    long sum = 0;
    for (TraceNode n : nodes) {
      sum += n.gpus() * 1000L;
    }
    return sum;
  }
}
