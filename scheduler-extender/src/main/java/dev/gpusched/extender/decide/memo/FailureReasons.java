package dev.gpusched.extender.decide.memo;

/**
 * Failure reasons kept beside a memo's entries, one per entry index, as immutable (tag, memory request, text) records:
 * a reason is read back only under the tag and GPU memory request it was stored with, so a stale one is never shown.
 * Kept because filter must explain every node it rejects, and the words cost more than the verdicts.
 */
final class FailureReasons {
  private record Reason(long tag, long memoryMiB, String text) {}

  private final Reason[] reasons;

  FailureReasons(int entries) {
    this.reasons = new Reason[entries];
  }

  /** The reason stored at {@code index} under {@code tag} for a pod of GPU memory request {@code memoryMiB}, or null. */
  String get(int index, long tag, long memoryMiB) {
    Reason r = reasons[index];
    return r != null && r.tag == tag && r.memoryMiB == memoryMiB ? r.text : null;
  }

  void put(int index, long tag, long memoryMiB, String text) {
    reasons[index] = new Reason(tag, memoryMiB, text);
  }
}
