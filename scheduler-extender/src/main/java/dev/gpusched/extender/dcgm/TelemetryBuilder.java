package dev.gpusched.extender.dcgm;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Collects dcgm-exporter series (metric, labels, value) into a {@link GpuTelemetry}, whatever transport they came by.
 *
 * <p>A series that cannot be attributed (no Hostname or gpu label, a gpu label that is not a small integer) or whose
 * value is not a finite number is skipped and described in {@link GpuTelemetry#problems()}; the rest still count.
 * Not thread-safe: one builder per poll.
 */
final class TelemetryBuilder {

  /** GPU indices above this are rejected: no node has that many GPUs, and the index sizes an array. */
  static final int MAX_GPU_INDEX = 255;

  private static final int MAX_PROBLEMS = 50;

  private final HostnameMapping mapping;
  private final Map<String, Map<Integer, Gpu>> nodes = new HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private int droppedProblems;

  TelemetryBuilder(HostnameMapping mapping) {
    this.mapping = mapping;
  }

  /**
   * Adds one series value.
   *
   * @param metric which of the four metrics
   * @param labels its labels (Hostname, gpu, UUID, modelName, pod, namespace are read)
   * @param value the sample value as text ("38870", "540.2", "NaN", "+Inf")
   * @param where where the series came from, for problem messages (e.g. "result[3]" or "line 42")
   */
  void add(DcgmMetric metric, Map<String, String> labels, String value, String where) {
    String hostname = nonEmpty(labels.get(DcgmMetric.LABEL_HOSTNAME));
    if (hostname == null) {
      problem(where + ": " + metric.promName() + " has no " + DcgmMetric.LABEL_HOSTNAME
          + " label, so it cannot be attributed to a node; labels were " + labels);
      return;
    }
    String gpuLabel = nonEmpty(labels.get(DcgmMetric.LABEL_GPU));
    int gpu = parseGpuIndex(gpuLabel);
    if (gpu < 0) {
      problem(where + ": " + metric.promName() + " on " + hostname + " has gpu label "
          + (gpuLabel == null ? "missing" : "'" + gpuLabel + "'") + "; expected an integer 0.." + MAX_GPU_INDEX);
      return;
    }
    double number = parseValue(value);
    if (!Double.isFinite(number)) {
      problem(where + ": " + metric.promName() + " on " + hostname + " GPU " + gpu + " has value '" + value
          + "'; expected a finite number, so this value is treated as unknown");
      return;
    }
    if (number < 0) {
      problem(where + ": " + metric.promName() + " on " + hostname + " GPU " + gpu + " has negative value "
          + value + "; treated as unknown");
      return;
    }
    String node = mapping.nodeName(hostname);
    Gpu g = nodes.computeIfAbsent(node, k -> new HashMap<>()).computeIfAbsent(gpu, Gpu::new);
    g.absorbLabels(labels);
    switch (metric) {
      case FB_USED:
        g.fbUsedMiB = Math.round(number);
        break;
      case FB_FREE:
        g.fbFreeMiB = Math.round(number);
        break;
      case GPU_UTIL:
        g.utilPct = number;
        break;
      case XID_ERRORS:
        g.lastXid = (int) Math.min(Integer.MAX_VALUE, Math.round(number));
        break;
      default:
        throw new IllegalStateException("unhandled metric " + metric);
    }
  }

  /** Records a note about input that was skipped. */
  void problem(String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(message);
    } else {
      droppedProblems++;
    }
  }

  /** The telemetry collected so far, observed at {@code observedAt}. */
  GpuTelemetry build(Instant observedAt) {
    Map<String, GpuSample[]> out = new HashMap<>();
    Map<String, Map<Integer, Set<String>>> pods = new HashMap<>();
    for (Map.Entry<String, Map<Integer, Gpu>> e : nodes.entrySet()) {
      int max = -1;
      for (int index : e.getValue().keySet()) {
        max = Math.max(max, index);
      }
      GpuSample[] samples = new GpuSample[max + 1];
      Map<Integer, Set<String>> nodePods = new TreeMap<>();
      for (Gpu g : e.getValue().values()) {
        samples[g.index] = g.toSample();
        if (!g.pods.isEmpty()) {
          nodePods.put(g.index, Set.copyOf(g.pods));
        }
      }
      out.put(e.getKey(), samples);
      if (!nodePods.isEmpty()) {
        pods.put(e.getKey(), java.util.Collections.unmodifiableMap(nodePods));
      }
    }
    List<String> notes = new ArrayList<>(problems);
    if (droppedProblems > 0) {
      notes.add("... and " + droppedProblems + " more skipped series");
    }
    return new GpuTelemetry(observedAt, out, pods, notes);
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static int parseGpuIndex(String label) {
    if (label == null || label.length() > 3) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value <= MAX_GPU_INDEX ? value : -1;
  }

  /** Parses a Prometheus sample value; NaN for anything that is not a number. */
  static double parseValue(String text) {
    if (text == null) {
      return Double.NaN;
    }
    switch (text) {
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          return Double.NaN;
        }
    }
  }

  /** Mutable per-GPU accumulator. */
  private static final class Gpu {
    final int index;
    String uuid;
    String modelName;
    long fbUsedMiB = GpuSample.UNKNOWN_MIB;
    long fbFreeMiB = GpuSample.UNKNOWN_MIB;
    double utilPct = Double.NaN;
    int lastXid;
    final TreeSet<String> pods = new TreeSet<>();

    Gpu(int index) {
      this.index = index;
    }

    void absorbLabels(Map<String, String> labels) {
      if (uuid == null) {
        uuid = nonEmpty(labels.get(DcgmMetric.LABEL_UUID));
      }
      if (modelName == null) {
        modelName = nonEmpty(labels.get(DcgmMetric.LABEL_MODEL));
      }
      String pod = nonEmpty(labels.get(DcgmMetric.LABEL_POD));
      String ns = nonEmpty(labels.get(DcgmMetric.LABEL_NAMESPACE));
      if (pod != null && ns != null) {
        pods.add(ns + "/" + pod);
      }
    }

    GpuSample toSample() {
      String ns = null;
      String name = null;
      if (!pods.isEmpty()) {
        String first = pods.first();
        int slash = first.indexOf('/');
        ns = first.substring(0, slash);
        name = first.substring(slash + 1);
      }
      return new GpuSample(index, uuid, modelName, fbUsedMiB, fbFreeMiB, utilPct, lastXid, ns, name);
    }
  }
}
