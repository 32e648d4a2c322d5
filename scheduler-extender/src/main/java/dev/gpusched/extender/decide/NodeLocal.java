package dev.gpusched.extender.decide;

/**
 * A plugin's store of values derived from one node state alone (the node's fragmentation, the words of a rejection),
 * kept while that state lasts: by the node's place in its layout, under the node's stamp, and read back only by a
 * cycle at the same place with the same stamp ({@link CycleState}). Node states stay immutable, and a value of an
 * older state is never read back. A cycle without a place reads nothing and keeps nothing.
 *
 * <p>Lock-free and racy by design: a value and its stamp are one immutable entry, concurrent writers may replace each
 * other's, and a new layout starts an empty table; either costs only a recomputation. A value must be immutable and a
 * function of the node state and of what the plugin checks before using it (e.g. the workload profile it was computed
 * for).
 */
public final class NodeLocal<T> {
  /**
   * A value and the {@link CycleState#stamp} of the node state it was derived from. The stamp is the entry's own final
   * field, so every plugin's read checks it without a call on the value's type.
   */
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
    Entry kept = t.entries[position];
    return kept != null && kept.stamp == cycle.stamp() ? (T) kept.value : null;
  }

  /** Keeps {@code value}, derived from the cycle's node state, for it (nothing when the cycle has no place). */
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
