package dev.gpusched.extender.dcgm;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable snapshot of DCGM metrics for every node, as of {@link #observedAt()}.
 *
 * <p>Built by a poll (never on the filter path) and read by decisions: {@link #node(String)} is one hash lookup that
 * returns an index-addressed array, so the hot path neither allocates nor boxes. Problems seen while building it
 * (series skipped because a label or value was missing) are kept in {@link #problems()} so the poller can report
 * a partial answer without discarding the GPUs that were fine.
 */
public final class GpuTelemetry {

  /** No telemetry at all: never fresh, no nodes. What decisions see before the first successful poll. */
  public static final GpuTelemetry EMPTY =
      new GpuTelemetry(Instant.EPOCH, Map.of(), Map.of(), List.of());

  private final Instant observedAt;
  private final Map<String, GpuSample[]> nodes;
  private final Map<String, Map<Integer, Set<String>>> observedPods;
  private final List<String> problems;

  /**
   * @param observedAt when the metrics were read
   * @param nodes per node name, samples addressed by GPU index (gaps are null); arrays are not copied, callers hand over
   * @param observedPods per node, GPU index to the "namespace/name" pods dcgm-exporter attributes it to
   * @param problems human-readable notes about series that were skipped
   */
  GpuTelemetry(
      Instant observedAt,
      Map<String, GpuSample[]> nodes,
      Map<String, Map<Integer, Set<String>>> observedPods,
      List<String> problems) {
    this.observedAt = observedAt;
    this.nodes = Map.copyOf(nodes);
    this.observedPods = Map.copyOf(observedPods);
    this.problems = List.copyOf(problems);
  }

  /** When these metrics were read (the poll's clock); {@link Instant#EPOCH} for {@link #EMPTY}. */
  public Instant observedAt() {
    return observedAt;
  }

  /**
   * The node's GPUs addressed by index ({@code node(n)[3]} is GPU 3, null where dcgm reported nothing), or null when
   * the node is absent. The array is shared: do not modify it.
   */
  public GpuSample[] node(String nodeName) {
    return nodes.get(nodeName);
  }

  /** Node names with at least one GPU sample. */
  public Set<String> nodeNames() {
    return nodes.keySet();
  }

  /** Every node's samples as lists without gaps, ordered by GPU index; for /inspect and tests, not the hot path. */
  public Map<String, List<GpuSample>> byNode() {
    Map<String, List<GpuSample>> out = new LinkedHashMap<>();
    nodes.keySet().stream().sorted().forEach(name -> out.put(name,
        Arrays.stream(nodes.get(name)).filter(s -> s != null).toList()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * GPU index to the pods ("namespace/name") dcgm-exporter attributes it to on this node; only labelled GPUs appear.
   * Empty when the node is absent. Usually one pod per GPU; several when a GPU is shared.
   */
  public Map<Integer, Set<String>> observedPods(String nodeName) {
    return observedPods.getOrDefault(nodeName, Map.of());
  }

  /** Notes on series skipped while reading (missing label, non-numeric value); empty for a clean answer. */
  public List<String> problems() {
    return problems;
  }

  /** Number of GPU samples over all nodes. */
  public int gpuCount() {
    int count = 0;
    for (GpuSample[] samples : nodes.values()) {
      for (GpuSample s : samples) {
        if (s != null) {
          count++;
        }
      }
    }
    return count;
  }

  /** Milliseconds since {@link #observedAt()}; {@link Long#MAX_VALUE} for {@link #EMPTY}. */
  public long ageMillis(Instant now) {
    if (this == EMPTY) {
      return Long.MAX_VALUE;
    }
    return Math.max(0L, now.toEpochMilli() - observedAt.toEpochMilli());
  }

  /** True when these metrics are no older than {@code stalenessBound} at {@code now}; never for {@link #EMPTY}. */
  public boolean isFresh(Instant now, Duration stalenessBound) {
    return this != EMPTY && ageMillis(now) <= stalenessBound.toMillis();
  }

  /**
   * Telemetry from samples already in hand (tests, the simulator, other sources): each node's samples are placed by
   * {@link GpuSample#index()}, and {@link #observedPods} is derived from their pod fields.
   *
   * @throws IllegalArgumentException when a node lists the same GPU index twice or a negative index
   */
  public static GpuTelemetry of(Instant observedAt, Map<String, List<GpuSample>> byNode) {
    Map<String, GpuSample[]> nodes = new HashMap<>();
    Map<String, Map<Integer, Set<String>>> pods = new HashMap<>();
    for (Map.Entry<String, List<GpuSample>> e : byNode.entrySet()) {
      int max = -1;
      for (GpuSample s : e.getValue()) {
        if (s.index() < 0) {
          throw new IllegalArgumentException("node " + e.getKey() + ": GPU index " + s.index() + " is negative");
        }
        max = Math.max(max, s.index());
      }
      GpuSample[] samples = new GpuSample[max + 1];
      Map<Integer, Set<String>> nodePods = new java.util.TreeMap<>();
      for (GpuSample s : e.getValue()) {
        if (samples[s.index()] != null) {
          throw new IllegalArgumentException("node " + e.getKey() + ": GPU " + s.index() + " is listed twice");
        }
        samples[s.index()] = s;
        if (s.podKey() != null) {
          nodePods.put(s.index(), Set.of(s.podKey()));
        }
      }
      nodes.put(e.getKey(), samples);
      if (!nodePods.isEmpty()) {
        pods.put(e.getKey(), Collections.unmodifiableMap(nodePods));
      }
    }
    return new GpuTelemetry(observedAt, nodes, pods, List.of());
  }

  @Override
  public String toString() {
    Map<String, Integer> counts = new HashMap<>();
    nodes.forEach((k, v) -> counts.put(k, (int) Arrays.stream(v).filter(s -> s != null).count()));
    return "GpuTelemetry{observedAt=" + observedAt + ", gpusPerNode=" + counts + ", problems=" + problems.size() + "}";
  }
}
