package dev.gpusched.extender.state;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything filter and prioritize read, immutable and published as a whole through one volatile reference: a request
 * reads one snapshot once and never sees a half-applied change.
 *
 * @param synced true once the informers have listed every node and pod: no decision is made before
 */
public record ClusterSnapshot(long version, boolean synced, NodeGpuState[] nodes, Map<String, Integer> indexByName) {
  public static final ClusterSnapshot EMPTY = new ClusterSnapshot(0, false, new NodeGpuState[0], Map.of());

  /** The node's state, or null when gpusched does not know the node. */
  public NodeGpuState node(String name) {
    Integer i = indexByName.get(name);
    return i == null ? null : nodes[i];
  }

  /** The next snapshot with some nodes replaced, added (value non-null) or removed (value null). */
  ClusterSnapshot with(Map<String, NodeGpuState> changed, boolean nowSynced) {
    changed.entrySet().removeIf(e -> e.getValue() == null && !indexByName.containsKey(e.getKey()));
    boolean structural = false;
    for (Map.Entry<String, NodeGpuState> e : changed.entrySet()) {
      if ((e.getValue() == null) == indexByName.containsKey(e.getKey())) {
        structural = true;
        break;
      }
    }
    if (!structural) {
      NodeGpuState[] next = nodes.clone();
      for (Map.Entry<String, NodeGpuState> e : changed.entrySet()) {
        next[indexByName.get(e.getKey())] = e.getValue();
      }
      return new ClusterSnapshot(version + 1, nowSynced, next, indexByName);
    }
    Map<String, NodeGpuState> all = new HashMap<>(indexByName.size() + changed.size());
    for (NodeGpuState n : nodes) {
      all.put(n.name(), n);
    }
    for (Map.Entry<String, NodeGpuState> e : changed.entrySet()) {
      if (e.getValue() == null) {
        all.remove(e.getKey());
      } else {
        all.put(e.getKey(), e.getValue());
      }
    }
    NodeGpuState[] next = all.values().toArray(new NodeGpuState[0]);
    Arrays.sort(next, (a, b) -> a.name().compareTo(b.name()));
    Map<String, Integer> index = new HashMap<>(next.length * 2);
    for (int i = 0; i < next.length; i++) {
      index.put(next[i].name(), i);
    }
    return new ClusterSnapshot(version + 1, nowSynced, next, Collections.unmodifiableMap(index));
  }
}
