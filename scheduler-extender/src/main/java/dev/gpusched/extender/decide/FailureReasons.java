package dev.gpusched.extender.decide;

/**
 * Failure reasons memoised beside a verdict memo's entries, one per entry index, as immutable (tag, text) pairs: a
 * reason is read back only under the tag it was stored with, so a stale one is never shown. Built once per node state
 * and shape because filter must explain every node it rejects, and the texts cost more than the verdicts.
 */
final class FailureReasons {
  private record Reason(long tag, String text) {}

  private final Object[] reasons;

  FailureReasons(int entries) {
    this.reasons = new Object[entries];
  }

  /** The reason stored at {@code index} under {@code tag}, or null. */
  String get(int index, long tag) {
    return reasons[index] instanceof Reason r && r.tag == tag ? r.text : null;
  }

  void put(int index, long tag, String text) {
    reasons[index] = new Reason(tag, text);
  }
}
