package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.decide.Verdict;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Verdicts per node state and demand shape, so replicas of one workload cost a read per node once the first is
 * placed; like kube-scheduler's former equivalence cache, but never stale: an entry is tagged with the node's stamp,
 * which changes with every new state of the node.
 *
 * <p>One memo serves one snapshot layout (node positions), one set of scorers' inputs versions and one numbering of
 * shapes ({@link #serves}). Per node position it holds {@value #SLOTS} entries, direct-mapped by shape number. An entry
 * is one long, {@link DemandShapes#tag} {@code |} the {@link Verdict} in the low byte, read and written atomically
 * (opaque) without locks: concurrent calls may overwrite each other's entries, which only costs a recomputation.
 */
final class VerdictMemo {
  static final int SLOTS = 4;
  private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);

  private final Object layout;
  private final int[] inputsVersions;
  private final int shapeEpoch;
  private final long[] entries;
  private final FailureReasons reasons;

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
