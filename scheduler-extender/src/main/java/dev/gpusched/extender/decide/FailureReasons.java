package dev.gpusched.extender.decide;

/**
 * Failure reasons memoised beside a verdict memo's entries, one per entry index, as immutable (tag, memory, text)
 * records: a reason is read back only under the tag and GPU memory range it was stored with, so a stale one is never
 * shown. Built once per node state
 * and shape because filter must explain every node it rejects, and the texts cost more than the verdicts.
 */
final class FailureReasons {
  private record Reason(long tag, long memoryRange, long memoryMiB, String text) {}

  /** The memory request of a reason that does not quote it: it serves every request of its range. */
  static final long ANY = Long.MIN_VALUE;

  private final Object[] reasons;

  FailureReasons(int entries) {
    this.reasons = new Object[entries];
  }

  /**
   * The reason stored at {@code index} under {@code tag} for a GPU memory request in {@code memoryRange}
   * ({@link MemoryFitRange}: what the tag's shape may leave out; 0 where the shape holds the request), or null. A reason
   * stored with a request serves only that request; one stored with {@link #ANY}, the whole range.
   */
  String get(int index, long tag, long memoryRange, long memoryMiB) {
    return reasons[index] instanceof Reason r && r.tag == tag && r.memoryRange == memoryRange
        && (r.memoryMiB == ANY || r.memoryMiB == memoryMiB) ? r.text : null;
  }

  /** @param memoryMiB the request the text quotes, or {@link #ANY} */
  void put(int index, long tag, long memoryRange, long memoryMiB, String text) {
    reasons[index] = new Reason(tag, memoryRange, memoryMiB, text);
  }
}
