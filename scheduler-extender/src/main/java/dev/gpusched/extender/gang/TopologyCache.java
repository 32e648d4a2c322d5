package dev.gpusched.extender.gang;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.cluster.ClusterTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The inter-node {@link ClusterTopology} of the snapshot's nodes, from their labels (level keys narrowest first). It is
 * rebuilt only when the node set or a node's value of one of the level labels changed, not per request; node i of the
 * topology is node i of the snapshot (both ordered by name).
 */
final class TopologyCache {
  private final List<String> levelKeys;
  private ClusterTopology topology;
  private String[] names = new String[0];
  private String[][] values = new String[0][];
  private NodeGpuState[] checkedNodes;

  TopologyCache(List<String> levelKeys) {
    this.levelKeys = List.copyOf(levelKeys);
    ClusterTopology.of(this.levelKeys, List.of(), List.of()); // validates the keys with a clear message
  }

  List<String> levelKeys() {
    return levelKeys;
  }

  /** The topology of the snapshot's nodes. */
  synchronized ClusterTopology of(ClusterSnapshot snapshot) {
    NodeGpuState[] nodes = snapshot.nodes();
    if (nodes == checkedNodes && topology != null) {
      return topology; // a snapshot's node array is never changed: checked already (every member filter asks)
    }
    checkedNodes = nodes;
    if (topology == null || !sameAs(nodes)) {
      List<String> nodeNames = new ArrayList<>(nodes.length);
      List<Map<String, String>> labels = new ArrayList<>(nodes.length);
      String[] n = new String[nodes.length];
      String[][] v = new String[nodes.length][];
      for (int i = 0; i < nodes.length; i++) {
        nodeNames.add(nodes[i].name());
        labels.add(nodes[i].info().labels());
        n[i] = nodes[i].name();
        v[i] = levelValues(nodes[i]);
      }
      topology = ClusterTopology.of(levelKeys, nodeNames, labels);
      names = n;
      values = v;
    }
    return topology;
  }

  private boolean sameAs(NodeGpuState[] nodes) {
    if (nodes.length != names.length) {
      return false;
    }
    for (int i = 0; i < nodes.length; i++) {
      if (!nodes[i].name().equals(names[i])) {
        return false;
      }
      Map<String, String> labels = nodes[i].info().labels();
      for (int k = 0; k < levelKeys.size(); k++) {
        if (!java.util.Objects.equals(labels.get(levelKeys.get(k)), values[i][k])) {
          return false;
        }
      }
    }
    return true;
  }

  private String[] levelValues(NodeGpuState node) {
    String[] out = new String[levelKeys.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = node.info().labels().get(levelKeys.get(k));
    }
    return out;
  }
}
