package dev.gpusched.extender.state;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything filter and prioritize read, immutable and published as a whole through one volatile reference: a request
 * reads one snapshot once and never sees a half-applied change.
 *
 * @param synced true once the informers have listed every node and pod: no decision is made before
 * @param index node name to position in {@code nodes}; a new index object whenever nodes come or go (a new layout)
 * @param stamps per position, a number that changes whenever the node at that position gets a new state, within one
 *     layout: with the layout it identifies a node state without touching it (memo tags use it)
 */
public record ClusterSnapshot(long version, boolean synced, NodeGpuState[] nodes, NodeIndex index, int[] stamps) {
  public static final ClusterSnapshot EMPTY =
      new ClusterSnapshot(0, false, new NodeGpuState[0], NodeIndex.EMPTY, new int[0]);

  /**
   * A synced snapshot of these node states, positions as given (simulations and tools that keep their own node states).
   * It has a layout of its own, so nothing memoised for another snapshot applies to it.
   */
  public static ClusterSnapshot of(long version, NodeGpuState[] nodes) {
    String[] names = new String[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      names[i] = nodes[i].name();
    }
    return new ClusterSnapshot(version, true, nodes.clone(), NodeIndex.of(names), new int[nodes.length]);
  }

  /** The same nodes under a new version and sync flag. */
  ClusterSnapshot republished(long nextVersion, boolean nowSynced) {
    return new ClusterSnapshot(nextVersion, nowSynced, nodes, index, stamps);
  }

  /** Position of the node in {@link #nodes}, or -1 when gpusched does not know the node. */
  public int indexOf(String name) {
    return index.indexOf(name);
  }

  /** The node's state, or null when gpusched does not know the node. */
  public NodeGpuState node(String name) {
    int i = index.indexOf(name);
    return i < 0 ? null : nodes[i];
  }

  /** The next snapshot with some nodes replaced, added (value non-null) or removed (value null). */
  ClusterSnapshot with(Map<String, NodeGpuState> changed, boolean nowSynced) {
    changed.entrySet().removeIf(e -> e.getValue() == null && !index.contains(e.getKey()));
    boolean structural = false;
    for (Map.Entry<String, NodeGpuState> e : changed.entrySet()) {
      if ((e.getValue() == null) == index.contains(e.getKey())) {
        structural = true;
        break;
      }
    }
    if (!structural) {
      NodeGpuState[] next = nodes.clone();
      int[] nextStamps = stamps.clone();
      for (Map.Entry<String, NodeGpuState> e : changed.entrySet()) {
        int i = index.indexOf(e.getKey());
        if (next[i] != e.getValue()) {
          next[i] = e.getValue();
          nextStamps[i]++;
        }
      }
      return new ClusterSnapshot(version + 1, nowSynced, next, index, nextStamps);
    }
    Map<String, NodeGpuState> all = new HashMap<>(index.size() + changed.size());
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
    String[] names = new String[next.length];
    for (int i = 0; i < next.length; i++) {
      names[i] = next[i].name();
    }
    return new ClusterSnapshot(version + 1, nowSynced, next, NodeIndex.of(names), new int[next.length]);
  }
}
