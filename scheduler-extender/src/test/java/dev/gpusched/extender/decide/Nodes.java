package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.PodRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link NodeGpuState}s for tests, built through {@link NodeStateBuilder} as the ledger builds them:
 * {@code Nodes.node("n", 8).topology(PAIRS).whole(0, 1).share(2, 300).build()}. Defaults: product "NVIDIA-T4", GPU
 * memory unknown, no topology annotation (the product's inferred class), no CPU figures, nothing held.
 */
public final class Nodes {
  /** Eight GPUs in four NVLink pairs (0-1, 2-3, 4-5, 6-7), PCIe within a NUMA node, SYS across. */
  public static final String PAIRS =
      "gpus=8;numa=0x4,1x4;default=SYS;NV12=0-1,2-3,4-5,6-7;NODE=0-2,0-3,1-2,1-3,4-6,4-7,5-6,5-7";
  /** Eight GPUs all NVLink-connected (NVSwitch). */
  public static final String NVSWITCH = "gpus=8;numa=0x4,1x4;NV18=all";

  private final String name;
  private final int gpus;
  private String product = "NVIDIA-T4";
  private long gpuMemoryMiB;
  private String topology;
  private String problem;
  private long cpuAllocatable;
  private long cpuRequested;
  private long reserved;
  private final List<PodRecord> pods = new ArrayList<>();

  private Nodes(String name, int gpus) {
    this.name = name;
    this.gpus = gpus;
  }

  public static Nodes node(String name, int gpus) {
    return new Nodes(name, gpus);
  }

  /** The GPU product label and each GPU's framebuffer (0: unknown). */
  public Nodes product(String product, long gpuMemoryMiB) {
    this.product = product;
    this.gpuMemoryMiB = gpuMemoryMiB;
    return this;
  }

  /** The {@code gpusched.dev/gpu-topology} annotation, compact form. */
  public Nodes topology(String compact) {
    this.topology = compact;
    return this;
  }

  /** Why the node's GPU data is unusable. */
  public Nodes problem(String problem) {
    this.problem = problem;
    return this;
  }

  /** Allocatable CPU and the CPU its pods request, milli-CPU. */
  public Nodes cpu(long allocatable, long requested) {
    this.cpuAllocatable = allocatable;
    this.cpuRequested = requested;
    return this;
  }

  /** Each of these GPUs held whole by a 1-GPU pod without a memory request. */
  public Nodes whole(int... gpus) {
    for (int g : gpus) {
      pods.add(new PodRecord("w" + pods.size(), "ns", "w" + pods.size(), name, 1, 0, 0, List.of(g), false, "1", null));
    }
    return this;
  }

  /** A share of {@code milli} on GPU {@code gpu}, asking {@code memoryMiB} of its framebuffer. */
  public Nodes share(int gpu, int milli, long memoryMiB) {
    pods.add(new PodRecord("s" + pods.size(), "ns", "s" + pods.size(), name, 0, milli, memoryMiB, List.of(gpu), false,
        "1", null));
    return this;
  }

  public Nodes share(int gpu, int milli) {
    return share(gpu, milli, 0);
  }

  /** These GPUs (a mask) reserved for some gang. */
  public Nodes reserved(long mask) {
    this.reserved = mask;
    return this;
  }

  public NodeGpuState build() {
    NodeInfo info = NodeInfo.withTopology(name, gpus, product, gpuMemoryMiB, Map.of(),
        topology == null ? Map.of() : Map.of(Annotations.GPU_TOPOLOGY, topology), false, problem)
        .withCpuAllocatable(cpuAllocatable);
    return NodeStateBuilder.build(info, pods, List.of()).withReservedMask(reserved).withCpuRequested(cpuRequested);
  }
}
