package dev.gpusched.bench.sim;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.topology.GpuTopologies;
import dev.gpusched.topology.GpuTopology;
import dev.gpusched.topology.LinkClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generated topology-rich GPU cluster: leaves (top-of-rack switches) under spines, each leaf holding DGX-class nodes
 * (8 GPUs on NVSwitch: every GPU set is NVLink-connected), PCIe nodes with NVLink bridges in pairs (8 GPUs; only a pair
 * is connected) and PCIe-only nodes (4 GPUs, no NVLink). Each node carries its interconnect as the server reads it, in
 * its {@code gpusched.dev/gpu-topology} annotation ({@link #annotations}): the topologies of the {@code nvidia-smi topo -m}
 * fixtures dgx-h100, pcie-a100-nvlink-pairs and pcie-l40s-4gpu.
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

    /**
     * The GPU topology of a node of this fabric as {@code nvidia-smi topo -m} shows it (the fixtures dgx-h100,
     * pcie-a100-nvlink-pairs and pcie-l40s-4gpu): NVSwitch NV18 all-to-all; NV12 bridges between GPUs 0-1, 2-3, 4-5,
     * 6-7, NODE within a NUMA node, SYS across; PCIe-only PIX pairs within a NUMA node, SYS across. Half the GPUs on
     * each of two NUMA nodes.
     */
    public GpuTopology topology(int gpus) {
      if (this == NVSWITCH) {
        return GpuTopologies.nvSwitch(gpus, 18, 2);
      }
      GpuTopology.Builder b = GpuTopology.builder(gpus);
      for (int i = 0; i < gpus; i++) {
        b.numa(i, 2 * i / gpus);
        for (int j = i + 1; j < gpus; j++) {
          boolean pair = i / 2 == j / 2;
          boolean sameNuma = 2 * i / gpus == 2 * j / gpus;
          if (pair && this == NVLINK_PAIRS) {
            b.link(i, j, LinkClass.NV, 12);
          } else if (pair) {
            b.link(i, j, LinkClass.PIX, 0);
          } else {
            b.link(i, j, sameNuma ? LinkClass.NODE : LinkClass.SYS, 0);
          }
        }
      }
      return b.build();
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

  /**
   * Each node's {@code gpusched.dev/gpu-topology} annotation (compact form) with its fabric's topology, the first
   * source the server reads a node's interconnect from (without it, the model names here would read as flat PCIe).
   */
  public List<Map<String, String>> annotations() {
    List<Map<String, String>> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      out.add(Map.of(Annotations.GPU_TOPOLOGY, GpuTopologies.toCompact(fabric[i].topology(nodes.get(i).gpus()))));
    }
    return out;
  }

  /**
   * A fresh replay cluster of these nodes, with their labels and topology annotations, as the server would read them.
   */
  public SimCluster simCluster() {
    return new SimCluster(nodes, labels(), annotations());
  }

  public long totalGpuMilli() {
    long sum = 0;
    for (TraceNode n : nodes) {
      sum += n.gpus() * 1000L;
    }
    return sum;
  }
}
