package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.decide.Verdict;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Verdicts per node state and demand shape, so replicas of one workload cost a read per node once the first is
 * placed; like kube-scheduler's former equivalence cache, but never stale: an entry is tagged with the node's stamp,
 * which changes with every new state of the node.
 *
 * <p>One memo serves one {@link Generation} (snapshot layout, scorers' inputs versions, numbering of shapes). Per node
 * position it holds {@value #SLOTS} entries, direct-mapped by shape number. An entry is one long,
 * {@link DemandShapes#tag} {@code |} the {@link Verdict} in the low byte, read and written atomically (opaque) without
 * locks: concurrent calls may overwrite each other's entries, which only costs a recomputation.
 */
final class VerdictMemo {
  static final int SLOTS = 4;
  private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);

  private final Generation generation;
  private final long[] entries;
  private final FailureReasons reasons;

  VerdictMemo(Generation generation, int nodes) {
    this.generation = generation;
    this.entries = new long[nodes * SLOTS];
    this.reasons = new FailureReasons(nodes * SLOTS);
  }

  Generation generation() {
    return generation;
  }

  /** The entry index of a node position and shape number. */
  static int slot(int position, int shape) {
    return position * SLOTS + (shape & (SLOTS - 1));
  }

  /** The verdict kept at {@code slot} under {@code tag}, or {@link Verdict#UNKNOWN}. */
  int verdict(int slot, long tag) {
    long e = (long) ENTRIES.getOpaque(entries, slot);
    return (e & ~0xFFL) == tag ? (int) (e & 0xFF) : Verdict.UNKNOWN;
  }

  void put(int slot, long tag, int verdict) {
    ENTRIES.setOpaque(entries, slot, tag | verdict);
  }

  /** The failure reasons, by the same index as the entries. */
  FailureReasons reasons() {
    return reasons;
  }
}
