package dev.gpusched.extender.decide;

/**
 * A plugin's store of values derived from one node state alone (the node's fragmentation, the words of a rejection),
 * kept while that state lasts: keyed by the node's place in its layout and its stamp ({@link CycleState}), so node
 * states stay immutable and a value of an older state is never read back. A cycle without a place reads nothing and
 * keeps nothing.
 *
 * <p>Lock-free and racy by design: entries are immutable, concurrent writers may replace each other's, and a new layout
 * starts an empty table; either costs only a recomputation. The value must be a function of the node state and of what
 * the plugin checks before using it (e.g. the workload profile it was computed for).
 */
public final class NodeLocal<T> {
  private record Entry(int stamp, Object value) {}

  private record Table(Object layout, Entry[] entries) {}

  private volatile Table table = new Table(null, new Entry[0]);

  /** The value kept for the cycle's node state, or null. */
  @SuppressWarnings("unchecked")
  public T get(CycleState cycle) {
    int position = cycle.position();
    Table t = table;
    if (position < 0 || t.layout != cycle.layout() || position >= t.entries.length) {
      return null;
    }
    Entry e = t.entries[position];
    return e != null && e.stamp == cycle.stamp() ? (T) e.value : null;
  }

  /** Keeps {@code value} for the cycle's node state (nothing when the cycle has no place). */
  public void put(CycleState cycle, T value) {
    int position = cycle.position();
    if (position < 0) {
      return;
    }
    Table t = table;
    if (t.layout != cycle.layout()) { // a new layout: an empty table, as large as the last one
      t = new Table(cycle.layout(), new Entry[Math.max(position + 1, t.entries.length)]);
      table = t;
    } else if (position >= t.entries.length) {
      t = new Table(t.layout, java.util.Arrays.copyOf(t.entries, Math.max(position + 1, 2 * t.entries.length)));
      table = t;
    }
    t.entries[position] = new Entry(cycle.stamp(), value);
  }
}
