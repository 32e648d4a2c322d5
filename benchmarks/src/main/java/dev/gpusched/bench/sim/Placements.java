package dev.gpusched.bench.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the pods of a cluster file ended up, and what that leaves: nodes used by the pending pods, and stranded GPUs
 * (free GPUs on nodes that are partly used, where a pod of a whole node's GPUs cannot go). Counted from the pods' GPU
 * requests per node, the way kube-scheduler accounts them, so a replay and a real run are measured alike.
 *
 * @param pending pods of the file without a node
 * @param bound those of them placed
 * @param nodesUsed nodes holding at least one of them
 * @param strandedGpus free GPUs on nodes with some GPUs used and some free
 * @param gpusUsed GPUs requested by all pods on nodes, those bound in the file included
 */
public record Placements(int pending, int bound, int nodesUsed, long strandedGpus, long gpusUsed) {

  /** The file's nodes (GPUs each) and pods (GPU request each, node if bound), in file order. */
  public record ClusterFile(Map<String, Integer> nodeGpus, List<Pod> pods) {
    public static ClusterFile of(List<HasMetadata> objects) {
      Map<String, Integer> gpus = new LinkedHashMap<>();
      List<Pod> pods = new java.util.ArrayList<>();
      for (HasMetadata o : objects) {
        if (o instanceof Node n) {
          gpus.put(n.getMetadata().getName(), quantity(n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
              : n.getStatus().getAllocatable().get("nvidia.com/gpu")));
        } else if (o instanceof Pod p) {
          pods.add(p);
        }
      }
      return new ClusterFile(gpus, pods);
    }

    /** The pod's key, {@code namespace/name}. */
    public static String key(Pod p) {
      String ns = p.getMetadata().getNamespace();
      return (ns == null ? "default" : ns) + "/" + p.getMetadata().getName();
    }

    /** The pod's whole-GPU request (limits, else requests, summed over its containers). */
    public static int gpus(Pod p) {
      int sum = 0;
      for (var c : p.getSpec().getContainers()) {
        var r = c.getResources();
        Quantity q = r == null ? null : r.getLimits() != null && r.getLimits().get("nvidia.com/gpu") != null
            ? r.getLimits().get("nvidia.com/gpu") : r.getRequests() == null ? null : r.getRequests().get("nvidia.com/gpu");
        sum += quantity(q);
      }
      return sum;
    }

    private static int quantity(Quantity q) {
      return q == null ? 0 : q.getNumericalAmount().intValue();
    }
  }

  /**
   * The outcome of placing the file's pending pods at {@code placed} (pod key to node; pods missing or null are
   * unplaced), next to the file's bound pods.
   */
  public static Placements of(ClusterFile file, Map<String, String> placed) {
    Map<String, Long> used = new HashMap<>();
    Set<String> usedByPending = new HashSet<>();
    int pending = 0;
    int bound = 0;
    for (Pod p : file.pods()) {
      String fileNode = p.getSpec().getNodeName();
      String node = fileNode != null && !fileNode.isEmpty() ? fileNode : placed.get(ClusterFile.key(p));
      if (fileNode == null || fileNode.isEmpty()) {
        pending++;
        if (node != null) {
          bound++;
          usedByPending.add(node);
        }
      }
      if (node != null) {
        used.merge(node, (long) ClusterFile.gpus(p), Long::sum);
      }
    }
    long stranded = 0;
    long total = 0;
    for (Map.Entry<String, Integer> n : file.nodeGpus().entrySet()) {
      long u = Math.min(n.getValue(), used.getOrDefault(n.getKey(), 0L));
      total += u;
      if (u > 0 && u < n.getValue()) {
        stranded += n.getValue() - u;
      }
    }
    return new Placements(pending, bound, usedByPending.size(), stranded, total);
  }

  /**
   * Where a real run put the pending pods: the result JSON of the real-cluster harness ({@code realcluster.py --out},
   * {@code "pods": {"ns/name": {"node": ...}}}).
   */
  public static Map<String, String> fromRunResult(Path result) throws IOException {
    JsonNode root = JsonMapper.builder().build().readTree(Files.readAllBytes(result));
    JsonNode pods = root.path("pods");
    if (!pods.isObject()) {
      throw new IllegalArgumentException(result + " has no \"pods\" object: expected the real-cluster harness's result JSON");
    }
    Map<String, String> placed = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : pods.properties()) {
      JsonNode node = e.getValue().path("node");
      if (node.isString()) {
        placed.put(e.getKey(), node.stringValue());
      }
    }
    return placed;
  }
}
