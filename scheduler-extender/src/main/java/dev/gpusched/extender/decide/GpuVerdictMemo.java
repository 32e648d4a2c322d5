package dev.gpusched.extender.decide;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pipeline's memo of what its verdicts owe to the GPU side of a demand (everything but the pod's CPU request), per
 * node state and GPU demand: which filter fails, or the verdict and what its {@link CpuSplitScore} needs to finish it
 * for a pod's CPU request. A pod whose GPU demand was seen before (a new workload of a usual GPU shape) then
 * costs a row read and the CPU step per node, without touching the node's state. {@link VerdictMemo} still answers
 * repeated pods of one full shape first.
 *
 * <p>One memo serves one snapshot layout, one set of scorers' inputs versions and one numbering of GPU shapes, like
 * {@link VerdictMemo}. A row is {@code [version, tag | result, more data...]} (the pipeline says what the data are); the
 * tag and result are as in {@link VerdictMemo}. Rows of one slot lie side by side by
 * node position (slot-major), so one call reads one contiguous stretch in node order. Rows are written under a
 * sequence lock without blocking: a writer claims the row by making its version odd (giving up when another writer
 * holds it, which only costs a later recomputation) and publishes it with the next even version; a reader accepts a
 * row only when its version was even and unchanged around the read, so it never sees half of two writes.
 */
final class GpuVerdictMemo {
  static final int SLOTS = 4;

  private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(long[].class);

  private record Reason(long tag, String text) {}

  private final Object layout;
  private final int[] inputsVersions;
  private final int shapeEpoch;
  private final int nodes;
  /** Longs per row: the version and the data. */
  private final int stride;
  private final long[] rows;
  private final Object[] reasons;

  /** @param dataLongs longs of a row's data, the first being tag | result */
  GpuVerdictMemo(Object layout, int nodes, int[] inputsVersions, int shapeEpoch, int dataLongs) {
    this.layout = layout;
    this.inputsVersions = inputsVersions;
    this.shapeEpoch = shapeEpoch;
    this.nodes = nodes;
    this.stride = 1 + dataLongs;
    this.rows = new long[nodes * SLOTS * stride];
    this.reasons = new Object[nodes * SLOTS];
  }

  boolean serves(Object layout, int[] inputsVersions, int shapeEpoch) {
    return this.layout == layout && this.shapeEpoch == shapeEpoch
        && java.util.Arrays.equals(this.inputsVersions, inputsVersions);
  }

  /** The row's number for the node at {@code position} and the GPU shape. */
  int row(int position, int gpuShapeId) {
    return (gpuShapeId & (SLOTS - 1)) * nodes + position;
  }

  /**
   * Copies the row's data into {@code out} ({@code out[0]} tag | result) when it holds {@code tag} whole; false when it
   * holds something else or is being written.
   */
  boolean read(int row, long tag, long[] out) {
    int at = row * stride;
    long version = (long) ROWS.getAcquire(rows, at);
    if ((version & 1) != 0) {
      return false;
    }
    long head = rows[at + 1];
    if ((head & ~0xFFL) != tag) {
      return false;
    }
    out[0] = head;
    for (int i = 2; i < stride; i++) {
      out[i - 1] = rows[at + i];
    }
    VarHandle.loadLoadFence();
    return (long) ROWS.getAcquire(rows, at) == version;
  }

  /** Stores {@code values} (as {@link #read} gives them) in the row, unless another writer holds it. */
  void write(int row, long[] values) {
    int at = row * stride;
    long version = (long) ROWS.getOpaque(rows, at);
    if ((version & 1) != 0 || !ROWS.compareAndSet(rows, at, version, version + 1)) {
      return;
    }
    for (int i = 1; i < stride; i++) {
      rows[at + i] = values[i - 1];
    }
    ROWS.setRelease(rows, at, version + 2);
  }

  /** The memoised failure reason for this row and tag, or null. */
  String reason(int row, long tag) {
    return reasons[row] instanceof Reason r && r.tag == tag ? r.text : null;
  }

  void putReason(int row, long tag, String text) {
    reasons[row] = new Reason(tag, text);
  }
}
