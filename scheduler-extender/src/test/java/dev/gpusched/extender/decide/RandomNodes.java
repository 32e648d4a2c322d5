package dev.gpusched.extender.decide;

import dev.gpusched.extender.dcgm.GpuSample;
import dev.gpusched.extender.dcgm.HealthRules;
import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.NodeStateBuilder;
import dev.gpusched.extender.state.NodeTelemetry;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated nodes and demands for tests that hold a rule to its definition or a faster computation to the plain one: every kind of node the plugins
 * treat differently (NVLink, PCIe pairs, 1-4 GPUs, 20 GPUs without choice tables, no topology class, unusable node,
 * unknown memory), in every state (whole and shared holders, DCGM free memory, unhealthy GPUs, gang reservations, CPU
 * plenty, short or unknown), and demands of whole GPUs, shares and none, with memory, every interconnect policy and
 * placement, and product restrictions.
 */
public final class RandomNodes {
  private static final String[][] PRODUCTS = {
      {"NVIDIA-H100-80GB-HBM3", "8", "81559"}, {"NVIDIA-A100-SXM4-40GB", "8", "40960"}, {"NVIDIA-L40S", "4", "46068"},
      {"Tesla-T4", "2", "15360"}, {"Tesla-T4", "1", "15360"}, {"", "8", "0"}};

  /** Ten NVLink pairs on two NUMA nodes: above the 16 GPUs that get choice tables. */
  private static final String TWENTY_GPUS;

  static {
    StringBuilder pairs = new StringBuilder("gpus=20;numa=0x10,1x10;default=SYS;NV12=");
    for (int g = 0; g < 20; g += 2) {
      pairs.append(g == 0 ? "" : ",").append(g).append('-').append(g + 1);
    }
    TWENTY_GPUS = pairs.toString();
  }

  private final Random random;

  public RandomNodes(long seed) {
    this.random = new Random(seed);
  }

  public Random random() {
    return random;
  }

  /** {@code count} nodes named {@code n0, n1, ...}, each as {@link #node} makes it. */
  public NodeGpuState[] nodes(int count) {
    NodeGpuState[] nodes = new NodeGpuState[count];
    for (int i = 0; i < count; i++) {
      nodes[i] = node(i);
    }
    return nodes;
  }

  public static List<String> names(NodeGpuState[] nodes) {
    List<String> names = new ArrayList<>();
    for (NodeGpuState node : nodes) {
      names.add(node.name());
    }
    return names;
  }

  /** The candidates that passed filter, in its order: what kube-scheduler sends prioritize. */
  public static List<String> survivors(List<String> candidates, DecisionPipeline.FilterOutcome filtered) {
    List<String> survivors = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      if (filtered.passed()[i]) {
        survivors.add(candidates.get(i));
      }
    }
    return survivors;
  }

  /** Fails unless two filter outcomes agree candidate by candidate: passes, reasons and rejection counts. */
  public static void assertSameOutcome(DecisionPipeline.FilterOutcome got, DecisionPipeline.FilterOutcome want, PodDemand demand) {
    org.assertj.core.api.Assertions.assertThat(got.passed()).as("passed, %s", demand).isEqualTo(want.passed());
    org.assertj.core.api.Assertions.assertThat(got.reasons()).as("reasons, %s", demand).isEqualTo(want.reasons());
    org.assertj.core.api.Assertions.assertThat(got.rejectionsByFilter()).as("rejections, %s", demand)
        .isEqualTo(want.rejectionsByFilter());
    org.assertj.core.api.Assertions.assertThat(got.unknownNodes()).isEqualTo(want.unknownNodes());
  }

  /** A node named {@code "n" + i} of a random kind and state. */
  public NodeGpuState node(int i) {
    NodeInfo info = info("n" + i);
    int n = info.gpuCount();
    List<PodRecord> pods = new ArrayList<>();
    for (int g = 0; g < n; g++) {
      int kind = random.nextInt(5);
      if (kind == 1) {
        pods.add(new PodRecord("w" + g, "ns", "w" + g, info.name(), 1, 0, random.nextInt(3) * 8_000L, List.of(g), false,
            "1", null, 4_000));
      } else if (kind == 2) {
        for (int s = random.nextInt(3); s >= 0; s--) {
          pods.add(new PodRecord("s" + g + "-" + s, "ns", "s" + g + "-" + s, info.name(), 0, 50 + random.nextInt(400),
              random.nextInt(3) * 4_096L, List.of(g), false, "1", null, 1_000));
        }
      }
    }
    NodeTelemetry telemetry = random.nextInt(3) == 0 ? telemetry(n) : null;
    NodeGpuState node = NodeStateBuilder.build(info, pods, List.of(), telemetry);
    if (random.nextInt(4) == 0 && n > 0) {
      node = node.withReservedMask(random.nextLong() & node.freeWholeMaskIgnoringReservations());
    }
    long allocatable = info.cpuAllocatableMilli();
    long requested = random.nextInt(4) == 0 ? allocatable + random.nextInt(3) - 1
        : (long) (random.nextDouble() * 1.1 * allocatable);
    return node.withCpuRequested(requested);
  }

  private NodeInfo info(String name) {
    int kind = random.nextInt(12);
    long[] allocatable = {0, 16_000, 64_000, 128_000, 3_000, 1L << 31};
    long cpu = allocatable[random.nextInt(allocatable.length)];
    if (kind == 0) {
      return NodeInfo.withTopology(name, 20, "NVIDIA-A100-PCIE-40GB", 40_960, Map.of(),
          Map.of(Annotations.GPU_TOPOLOGY, TWENTY_GPUS), false, null).withCpuAllocatable(cpu);
    }
    if (kind == 1) { // GPUs but no topology class
      int n = 1 + random.nextInt(8);
      return new NodeInfo(name, n, "NVIDIA-L4", 23_034, Map.of(), Map.of(), false, null, "none", null, cpu);
    }
    if (kind == 2) {
      return NodeInfo.withTopology(name, 8, "NVIDIA-H100-80GB-HBM3", 81_559, Map.of(), Map.of(), false,
          "gpu labels disagree").withCpuAllocatable(cpu);
    }
    if (kind == 3) {
      return new NodeInfo(name, 0, "", 0, Map.of(), Map.of(), false, null, "none", null, cpu);
    }
    String[] p = PRODUCTS[random.nextInt(PRODUCTS.length)];
    return NodeInfo.withTopology(name, Integer.parseInt(p[1]), p[0], Long.parseLong(p[2]), Map.of(), Map.of(), false,
        null).withCpuAllocatable(cpu);
  }

  /** DCGM data: random free memory (or none), some GPUs with a fatal XID. */
  private NodeTelemetry telemetry(int n) {
    GpuSample[] samples = new GpuSample[n];
    for (int g = 0; g < n; g++) {
      if (random.nextInt(5) == 0) {
        continue;
      }
      long free = random.nextInt(4) == 0 ? GpuSample.UNKNOWN_MIB : random.nextInt(90_000);
      int xid = random.nextInt(6) == 0 ? 79 : 0;
      samples[g] = new GpuSample(g, "GPU-" + g, "m", 0, free, 10, xid, null, null);
    }
    return new NodeTelemetry(samples, Map.of(), HealthRules.DEFAULT);
  }

  /** A demand of whole GPUs (some beyond any node), a share, or (rarely) none, with a CPU request. */
  public PodDemand demand() {
    int kind = random.nextInt(10);
    int gpus = 0;
    int milli = 0;
    if (kind < 5) {
      gpus = random.nextInt(6) == 0 ? 1 + random.nextInt(24) : 1 + random.nextInt(4);
    } else if (kind < 9) {
      milli = random.nextInt(4) == 0 ? 1 + random.nextInt(999) : 100 * (1 + random.nextInt(9));
    }
    long[] memory = {0, 0, 1 + random.nextInt(1_024), 4_096, 10_240, 40_000, random.nextInt(90_000)};
    IntraNodePolicy[] policies = IntraNodePolicy.values();
    List<List<String>> models = List.of(List.of(), List.of(), List.of("h100"), List.of("t4", "l40s"));
    return new PodDemand("ns", "p", "uid-p", gpus, milli, memory[random.nextInt(memory.length)],
        policies[random.nextInt(policies.length)], random.nextInt(4) == 0 ? Placement.SPREAD : Placement.BINPACK,
        models.get(random.nextInt(models.size())), random.nextInt(20_000));
  }

  /**
   * A workload profile: the default, one of a few classes, or one of more classes than any per-node tally keeps; some
   * pods of some classes may use only some GPU models (the products of {@link #node}), and the CPU per GPU varies, so
   * the CPU mix has one class or many.
   */
  public WorkloadProfile profile() {
    int kind = random.nextInt(4);
    if (kind == 0) {
      return WorkloadProfileLearner.DEFAULT;
    }
    WorkloadProfile.Builder b = WorkloadProfile.builder();
    if (kind == 3) {
      for (int m = 5; m < 1000; m += 9) {
        b.add(1, m, 1_000, models(), 1 + random.nextInt(5));
      }
      return b.add(1, 1000, 4_000, 10).add(2, 1000, 8_000, models(), 3).add(8, 1000, 0, 1).build();
    }
    int classes = 1 + random.nextInt(5);
    for (int c = 0; c < classes; c++) {
      if (random.nextBoolean()) {
        b.add(1, 1 + random.nextInt(999), random.nextInt(4_000), models(), 1 + random.nextInt(9));
      } else {
        b.add(1 + random.nextInt(8), 1000, random.nextInt(40_000), models(), 1 + random.nextInt(9));
      }
    }
    return b.build();
  }

  /** Mostly any model; else one or two of the products {@link #node} gives, or one no node has. */
  private List<String> models() {
    List<List<String>> models = List.of(List.of(), List.of(), List.of(), List.of("h100"), List.of("t4", "l40s"),
        List.of("a100"), List.of("b200"));
    return models.get(random.nextInt(models.size()));
  }

  /** The server's CPU view, or none. */
  public CpuView cpuView() {
    return random.nextBoolean() ? new LedgerCpuView() : CpuView.NONE;
  }
}
