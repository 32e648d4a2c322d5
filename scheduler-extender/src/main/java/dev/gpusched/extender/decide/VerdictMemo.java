package dev.gpusched.extender.decide;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pipeline's memo of its verdicts (which filter fails, or the score) per node state and demand shape, so replicas
 * of one workload cost a table read per node once the first is placed; like kube-scheduler's former equivalence cache,
 * but never stale: an entry is tagged with the node's stamp, which changes with every new state of the node.
 *
 * <p>One memo serves one snapshot layout (node positions), one set of scorers' inputs versions and one numbering of
 * shapes; the pipeline starts a new memo when any of them changes. Per node position it holds {@value #SLOTS} entries, direct-mapped
 * by shape id. An entry is one long, {@code stamp (32 bits) | shape id (24) | result (8)}, read and written atomically
 * (opaque) without locks: concurrent requests may overwrite each other's entries, which only costs a recomputation.
 * Failure reasons, needed only by filter, sit beside the entries as immutable (tag, text) pairs.
 */
final class VerdictMemo {
  static final int SLOTS = 4;
  /** Shape ids must fit the 24 bits an entry keeps for them. */
  static final int MAX_SHAPE_ID = (1 << 24) - 1;
  /** The result byte's high nibble is the failing filter + 1, so at most 14 filters (15 is never written). */
  static final int MAX_FILTERS = 14;
  /** {@link #result} when the memo does not hold the verdict. */
  static final int MISSING = -1;

  private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);


  private final Object layout;
  private final int[] inputsVersions;
  private final int shapeEpoch;
  private final long[] entries;
  private final FailureReasons reasons;

  /** @param inputsVersions each scorer's {@link ScorePlugin#inputsVersion}, in order (the memo keeps the array) */
  VerdictMemo(Object layout, int nodes, int[] inputsVersions, int shapeEpoch) {
    this.layout = layout;
    this.inputsVersions = inputsVersions;
    this.shapeEpoch = shapeEpoch;
    this.entries = new long[nodes * SLOTS];
    this.reasons = new FailureReasons(nodes * SLOTS);
  }

  boolean serves(Object layout, int[] inputsVersions, int shapeEpoch) {
    return this.layout == layout && this.shapeEpoch == shapeEpoch
        && java.util.Arrays.equals(this.inputsVersions, inputsVersions);
  }

  static int slot(int position, int shapeId) {
    return position * SLOTS + (shapeId & (SLOTS - 1));
  }

  /** The entry's identity without its result: the node state's stamp and the shape (ids start at 1, so never 0). */
  static long tag(int stamp, int shapeId) {
    return ((long) stamp << 32) | ((long) shapeId << 8);
  }

  /** A passing node's score 0..10, or a failing node's filter index. */
  static int passed(int score) {
    return score;
  }

  static int failed(int filter) {
    return (filter + 1) << 4;
  }

  /** The failing filter's index, or -1 when the node passed. */
  static int failedFilter(int result) {
    return (result >>> 4) - 1;
  }

  static int score(int result) {
    return result & 0xF;
  }

  /** The memoised result for this slot and tag, or {@link #MISSING}. */
  int result(int slot, long tag) {
    long e = (long) ENTRIES.getOpaque(entries, slot);
    return (e & ~0xFFL) == tag ? (int) (e & 0xFF) : MISSING;
  }

  void put(int slot, long tag, int result) {
    ENTRIES.setOpaque(entries, slot, tag | result);
  }

  /** The failure reasons, by the same index as the entries ({@code slot}). */
  FailureReasons reasons() {
    return reasons;
  }
}
