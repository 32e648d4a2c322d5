package dev.gpusched.bench.jmh;

import dev.gpusched.bench.TestData;
import dev.gpusched.bench.sim.OpenbCsv;
import dev.gpusched.bench.sim.Profiles;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.decide.WorkloadProfile;
import dev.gpusched.extender.decide.WorkloadProfileLearner;
import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.state.NodeInfo;
import dev.gpusched.extender.state.PodRecord;
import dev.gpusched.topology.GpuTopologies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A generated cluster for the benchmarks: N GPU nodes, each with one of the {@code nvidia-smi topo -m} fixture
 * topologies (as its {@code gpusched.dev/gpu-topology} annotation) and GPUs held (seeded) by whole-GPU pods of 1-2 GPUs
 * and by shared pods: about 70% of all GPUs (60-80% for any cluster of a few dozen nodes or more), each node 40-100%, so
 * that some nodes are full and some still fit a 4-GPU pod, as in a real cluster. Nodes have 16 cores per GPU; pods
 * request 8 per whole GPU and 2 per share, so the server's CPU view ({@code LedgerCpuView}) has figures to work with.
 * It is loaded through the extender's public state API (ledger changes, then {@code markSynced}), so the snapshot is
 * built exactly as the informers would build it.
 */
public final class SyntheticCluster {
  /** Each node has a share of its GPUs held drawn uniformly from this range: 70% on average over the cluster. */
  static final double MIN_NODE_TAKEN = 0.4;
  static final double MAX_NODE_TAKEN = 1.0;
  /** Allocatable CPU per GPU of a node, and what a pod requests per whole GPU and per share. */
  static final long CPU_MILLI_PER_GPU = 16_000;
  static final long POD_CPU_MILLI_PER_GPU = 8_000;
  static final long SHARED_POD_CPU_MILLI = 2_000;

  /**
   * The pipeline the server composes ({@code GpuschedApp}: standard plugins, CPU from the ledger), over the learner's
   * default profile instead of a learned one, computing a call's new verdicts on {@code threads} threads.
   */
  public static DecisionPipeline serverPipeline(int threads) {
    return serverPipeline(threads, WorkloadProfileLearner.DEFAULT);
  }

  /** {@link #serverPipeline(int)} over the given workload profile. */
  public static DecisionPipeline serverPipeline(int threads, WorkloadProfile profile) {
    return DecisionPipeline.standard(() -> profile, new LedgerCpuView(), threads);
  }

  /**
   * A workload profile by name: {@code default}, the learner's before it has seen pods (5 demand classes, one CPU per
   * GPU ratio); {@code openb-gpuspec20}, the one learned from testdata's openb gpuspec20 pod list (24 demand classes
   * with 55 GPU model lists among them, a fifth of the GPU pods naming models; 22 classes of CPU per GPU): a learned
   * profile's size.
   */
  public static WorkloadProfile profile(String name) {
    return switch (name) {
      case "default" -> WorkloadProfileLearner.DEFAULT;
      case "openb-gpuspec20" -> Profiles.of(OpenbCsv.read(TestData.openbNodes(), TestData.openbGpuSpec20Pods()).pods());
      default -> throw new IllegalArgumentException("profile must be default or openb-gpuspec20, got " + name);
    };
  }

  /** Share of held GPUs that are shared (fractional) rather than held whole. */
  static final double SHARED_GPU_SHARE = 0.25;

  /** One fixture topology with the GPU product and memory a node of that kind reports through GPU feature discovery. */
  public record Shape(String file, String product, long memoryMiB, String topologyText, int gpuCount) {}

  private SyntheticCluster() {}

  /** Node names, in the order the candidate lists use: {@code gpu-node-00000} ... */
  public static List<String> nodeNames(int nodes) {
    List<String> out = new ArrayList<>(nodes);
    for (int i = 0; i < nodes; i++) {
      out.add(nodeName(i));
    }
    return out;
  }

  /** New strings with the same text (own bytes, hash not computed), as a request decoder produces them. */
  public static List<String> freshCopies(List<String> names) {
    List<String> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      out.add(new String(names.get(i).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
          java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  static String nodeName(int i) {
    return String.format("gpu-node-%05d", i);
  }

  /** Every {@code *.txt} topology in {@code dir}, sorted by file name. */
  public static List<Shape> loadShapes(Path dir) {
    List<Shape> shapes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
        String text = Files.readString(f);
        String name = f.getFileName().toString().replaceFirst("\\.txt$", "");
        String[] product = productOf(name);
        shapes.add(new Shape(name, product[0], Long.parseLong(product[1]), text,
            GpuTopologies.fromAnnotation(text).gpuCount()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the nvidia-smi fixtures in " + dir, e);
    }
    if (shapes.isEmpty()) {
      throw new IllegalStateException("no *.txt nvidia-smi topology in " + dir + "; expected the files of "
          + "testdata/nvidia-smi-topo");
    }
    return shapes;
  }

  /** Product label and per-GPU memory (MiB) matching the fixture's hardware; unknown fixtures report neither. */
  private static String[] productOf(String fixture) {
    return switch (fixture) {
      case "dgx-a100" -> new String[] {"NVIDIA-A100-SXM4-80GB", "81920"};
      case "dgx-h100" -> new String[] {"NVIDIA-H100-80GB-HBM3", "81559"};
      case "dgx1-v100-cube-mesh" -> new String[] {"Tesla-V100-SXM2-32GB", "32768"};
      case "gb200-tray" -> new String[] {"NVIDIA-GB200", "189471"};
      case "pcie-a100-nvlink-pairs" -> new String[] {"NVIDIA-A100-PCIE-40GB", "40960"};
      case "pcie-a6000-nv4-pairs" -> new String[] {"NVIDIA-RTX-A6000", "49140"};
      case "pcie-l40s-4gpu" -> new String[] {"NVIDIA-L40S", "46068"};
      default -> new String[] {"", "0"};
    };
  }

  /**
   * A synced cluster state of {@code nodes} nodes; the caller closes it. Deterministic for a given seed and shape list.
   */
  public static ClusterState build(int nodes, long seed, List<Shape> shapes) {
    if (nodes < 1) {
      throw new IllegalArgumentException("a cluster needs at least 1 node, got " + nodes);
    }
    Random random = new Random(seed);
    List<NodeInfo> infos = new ArrayList<>(nodes);
    List<PodRecord> pods = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Shape shape = shapes.get(random.nextInt(shapes.size()));
      String name = nodeName(i);
      infos.add(NodeInfo.withTopology(name, shape.gpuCount(), shape.product(), shape.memoryMiB(),
          Map.of(Annotations.LABEL_GPU_PRODUCT, shape.product(),
              Annotations.LABEL_GPU_COUNT, Integer.toString(shape.gpuCount()),
              Annotations.LABEL_GPU_MEMORY, Long.toString(shape.memoryMiB())),
          Map.of(Annotations.GPU_TOPOLOGY, shape.topologyText()), false, null)
          .withCpuAllocatable(shape.gpuCount() * CPU_MILLI_PER_GPU));
      occupy(name, shape, random, pods);
    }
    ClusterState state = new ClusterState();
    state.submit(ledger -> {
      for (NodeInfo info : infos) {
        ledger.upsertNode(info);
      }
      for (PodRecord pod : pods) {
        ledger.upsertPod(pod);
      }
    });
    state.markSynced();
    try {
      state.apply(ledger -> null).get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      state.close();
      throw new IllegalStateException("building the synthetic cluster of " + nodes + " nodes failed", e);
    }
    return state;
  }

  /** The published snapshot of a freshly built cluster (the state's writer thread is stopped). */
  public static ClusterSnapshot snapshot(int nodes, long seed, List<Shape> shapes) {
    try (ClusterState state = build(nodes, seed, shapes)) {
      return state.snapshot();
    }
  }

  /** Holds 40-100% of the node's GPUs: each held GPU is shared (1-3 pods) or part of a 1- or 2-GPU whole pod. */
  private static void occupy(String node, Shape shape, Random random, List<PodRecord> out) {
    int n = shape.gpuCount();
    int taken = (int) Math.round(n * (MIN_NODE_TAKEN + (MAX_NODE_TAKEN - MIN_NODE_TAKEN) * random.nextDouble()));
    List<Integer> gpus = new ArrayList<>(n);
    for (int g = 0; g < n; g++) {
      gpus.add(g);
    }
    java.util.Collections.shuffle(gpus, random);
    List<Integer> whole = new ArrayList<>();
    int podIndex = 0;
    for (int k = 0; k < taken; k++) {
      int gpu = gpus.get(k);
      if (random.nextDouble() < SHARED_GPU_SHARE) {
        int sharers = 1 + random.nextInt(3);
        for (int s = 0; s < sharers; s++) {
          int milli = 150 + random.nextInt(150);
          out.add(pod(node, podIndex++, 0, milli, shape.memoryMiB() / 8, List.of(gpu)));
        }
      } else {
        whole.add(gpu);
      }
    }
    for (int i = 0; i < whole.size(); ) {
      int size = (i + 1 < whole.size() && random.nextBoolean()) ? 2 : 1;
      out.add(pod(node, podIndex++, size, 0, 0, List.copyOf(whole.subList(i, i + size))));
      i += size;
    }
  }

  private static PodRecord pod(String node, int index, int gpus, int milli, long memoryMiB, List<Integer> ids) {
    String name = node + "-pod-" + index;
    long cpu = milli > 0 ? SHARED_POD_CPU_MILLI : gpus * POD_CPU_MILLI_PER_GPU;
    return new PodRecord("uid-" + name, "bench", name, node, gpus, milli, memoryMiB, ids, false,
        "2026-01-01T00:00:00Z", null, cpu);
  }

  /** The nvidia-smi captures the synthetic nodes take their topologies from. */
  public static Path fixtureDir() {
    return TestData.topologyCaptures();
  }
}
