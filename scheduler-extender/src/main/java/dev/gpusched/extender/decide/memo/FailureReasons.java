package dev.gpusched.extender.decide.memo;

/**
 * Failure reasons kept beside a memo's entries, one per entry index, as immutable (tag, memory requests, text)
 * records: a reason is read back only under the tag it was stored with and for a GPU memory request of the
 * {@link Range} it was stored for (the requests that get the same words), so a stale one is never shown. Kept because
 * filter must explain every node it rejects, and the words cost more than the verdicts.
 */
final class FailureReasons {
  private record Reason(long tag, long memory, String text) {}

  private final Reason[] reasons;

  FailureReasons(int entries) {
    this.reasons = new Reason[entries];
  }

  /** The reason stored at {@code index} under {@code tag} for a pod of GPU memory request {@code memoryMiB}, or null. */
  String get(int index, long tag, long memoryMiB) {
    Reason r = reasons[index];
    return r != null && r.tag == tag && Range.holds(r.memory, memoryMiB) ? r.text : null;
  }

  /** @param memory the {@link Range} of GPU memory requests the words serve */
  void put(int index, long tag, long memory, String text) {
    reasons[index] = new Reason(tag, memory, text);
  }
}
