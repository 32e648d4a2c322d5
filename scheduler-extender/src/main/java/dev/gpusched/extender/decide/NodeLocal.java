package dev.gpusched.extender.decide;

/**
 * A plugin's store of values derived from one node state alone (the node's fragmentation, the words of a rejection),
 * kept while that state lasts: by the node's place in its layout, and read back only by a cycle at the same place
 * with the same stamp ({@link CycleState}), which every kept value names ({@link Kept#stamp}). Node states stay
 * immutable, and a value of an older state is never read back. A cycle without a place reads nothing and keeps nothing.
 *
 * <p>Lock-free and racy by design: values are immutable, concurrent writers may replace each other's, and a new layout
 * starts an empty table; either costs only a recomputation. A value must be a function of the node state and of what
 * the plugin checks before using it (e.g. the workload profile it was computed for).
 */
public final class NodeLocal<T extends NodeLocal.Kept> {
  /** A value kept for one node state; immutable. */
  public interface Kept {
    /** The {@link CycleState#stamp} of the node state it was derived from. */
    int stamp();
  }

  private record Table(Object layout, Kept[] values) {}

  private volatile Table table = new Table(null, new Kept[0]);

  /** The value kept for the cycle's node state, or null. */
  @SuppressWarnings("unchecked")
  public T get(CycleState cycle) {
    int position = cycle.position();
    Table t = table;
    if (position < 0 || t.layout != cycle.layout() || position >= t.values.length) {
      return null;
    }
    Kept kept = t.values[position];
    return kept != null && kept.stamp() == cycle.stamp() ? (T) kept : null;
  }

  /** Keeps {@code value}, derived from the cycle's node state, for it (nothing when the cycle has no place). */
  public void put(CycleState cycle, T value) {
    if (value.stamp() != cycle.stamp()) {
      throw new IllegalArgumentException("a value of stamp " + value.stamp() + " kept for a node of stamp "
          + cycle.stamp());
    }
    int position = cycle.position();
    if (position < 0) {
      return;
    }
    Table t = table;
    if (t.layout != cycle.layout()) { // a new layout: an empty table, as large as the last one
      t = new Table(cycle.layout(), new Kept[Math.max(position + 1, t.values.length)]);
      table = t;
    } else if (position >= t.values.length) {
      t = new Table(t.layout, java.util.Arrays.copyOf(t.values, Math.max(position + 1, 2 * t.values.length)));
      table = t;
    }
    t.values[position] = value;
  }
}
