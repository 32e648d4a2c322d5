package dev.gpusched.extender.decide;

/**
 * A node's verdict for a pod as one small int (it fits a byte, so memos pack it beside their tags): the 0..10 priority
 * of a node that passed every filter, or the index of the first filter that rejected it.
 */
public final class Verdict {
  /** A verdict names its filter in 4 bits, as filter + 1 (15 is never written). */
  public static final int MAX_FILTERS = 14;
  /** Not a verdict: not known yet. */
  public static final int UNKNOWN = -1;

  private Verdict() {}

  public static int passed(int priority) {
    return priority;
  }

  public static int failed(int filter) {
    return (filter + 1) << 4;
  }

  /** The rejecting filter's index, or -1 when the node passed. */
  public static int failedFilter(int verdict) {
    return (verdict >>> 4) - 1;
  }

  /** The 0..10 priority of a node that passed; 0 for one that failed. */
  public static int priority(int verdict) {
    return verdict & 0xF;
  }
}
