package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.ClusterSnapshot;
import java.util.List;

/**
 * Resolves a call's candidate names to snapshot positions in order. kube-scheduler sends filter the same node list pod
 * after pod, and prioritize the pod's survivors in filter's order right after, so while the names follow the previous
 * filter call's list ({@link LastFilter}) each costs one {@code equals}; otherwise a hash lookup
 * ({@code NodeIndex}), after which it resumes following from that node's place in the previous list.
 */
final class CandidatePositions {
  /**
   * A filter call's candidates, their positions (and the reverse: list index by position, -1 when absent) and which
   * passed.
   */
  record LastFilter(String podUid, Object layout, List<String> candidates, int[] positions, int[] indexByPosition,
      boolean[] passed) {
    static LastFilter of(String podUid, ClusterSnapshot snapshot, List<String> candidates, int[] positions,
        boolean[] passed) {
      int[] indexByPosition = new int[snapshot.nodes().length];
      java.util.Arrays.fill(indexByPosition, -1);
      for (int i = 0; i < positions.length; i++) {
        if (positions[i] >= 0) {
          indexByPosition[positions[i]] = i; // the last of a repeated name wins
        }
      }
      return new LastFilter(podUid, snapshot.index(), candidates, positions, indexByPosition, passed.clone());
    }
  }

  private final ClusterSnapshot snapshot;
  private final LastFilter previous;
  private final boolean survivorsOnly;
  private int cursor;

  /**
   * @param previous the last filter call, or null; ignored unless it was over this snapshot's layout
   * @param survivorsOnly follow only the nodes that passed (prioritize of the same pod)
   * @param cursor where in the previous list to start following (a chunk of a list starts at its own index)
   */
  CandidatePositions(ClusterSnapshot snapshot, LastFilter previous, boolean survivorsOnly, int cursor) {
    this.snapshot = snapshot;
    this.previous = previous != null && previous.layout() == snapshot.index() ? previous : null;
    this.survivorsOnly = survivorsOnly;
    this.cursor = cursor;
  }

  /** The position of the next candidate, {@code name}; -1 when the snapshot does not know it. */
  int next(String name) {
    if (previous != null) {
      List<String> names = previous.candidates();
      boolean[] passed = previous.passed();
      while (survivorsOnly && cursor < passed.length && !passed[cursor]) {
        cursor++;
      }
      if (cursor < passed.length && names.get(cursor).equals(name)) {
        return previous.positions()[cursor++];
      }
    }
    int position = snapshot.indexOf(name);
    if (previous != null && position >= 0 && previous.indexByPosition()[position] >= 0) {
      cursor = previous.indexByPosition()[position] + 1;
    }
    return position;
  }
}
