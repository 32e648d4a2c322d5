package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.decide.CpuRanges;
import dev.gpusched.extender.decide.Verdict;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Verdicts per node state and GPU demand (the demand without its CPU request, and without its GPU memory request when
 * the plugins read it by fit alone): a row says which filter rejects the node, or the node's verdict as a function of
 * the CPU request ({@link CpuRanges}: one verdict for the requests up to a threshold, another from a second one up;
 * between them it must be computed), for the GPU memory requests of one {@link MemoryFitRange}. A pod whose GPU demand
 * was seen before (a new workload of a usual GPU shape, a new model size) then costs a row read per node.
 *
 * <p>One table serves one {@link Generation} (snapshot layout, scorers' inputs versions, numbering of GPU shapes);
 * {@value #SLOTS} rows per node, direct-mapped by shape number, rows of one slot side by side by node position so a
 * call reads one stretch in node order. A row is {@value #LONGS} longs:
 * <ul>
 *   <li>{@code VERSION}: the sequence lock (odd while a writer holds the row);
 *   <li>{@code TAG}: {@link DemandShapes#tag} of the node's stamp and the GPU shape;
 *   <li>{@code MEMORY}: the {@link Range} of GPU memory requests the row serves;
 *   <li>{@code CPU_LOW}, {@code CPU_HIGH}: the {@link Range}s of CPU requests of the low and high verdict;
 *   <li>{@code VERDICTS}: the low verdict in bits 0-7, the high one in bits 8-15 (both the failure when a filter
 *       rejects the node, whose CPU ranges then hold every request).
 * </ul>
 * Rows are written under the sequence lock without blocking: a writer claims a row by making its version odd (giving up
 * when another writer holds it, which only costs a later recomputation) and publishes it with the next even version; a
 * reader accepts a row only when its version was even and unchanged around the read, so it never sees half of two
 * writes.
 */
final class GpuRows {
  static final int SLOTS = 4;
  /** {@link #verdict}: the row does not hold the tag or the memory request (or is being written). */
  static final int MISSING = -2;
  /** {@link #verdict}: the CPU request lies between the row's ranges; compute the verdict. */
  static final int BETWEEN = -3;

  private static final int VERSION = 0;
  private static final int TAG = 1;
  private static final int MEMORY = 2;
  private static final int CPU_LOW = 3;
  private static final int CPU_HIGH = 4;
  private static final int VERDICTS = 5;
  static final int LONGS = 6;
  private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(long[].class);

  private final Generation generation;
  private final int nodes;
  private final long[] rows;
  private final FailureReasons reasons;

  GpuRows(Generation generation, int nodes) {
    this.generation = generation;
    this.nodes = nodes;
    this.rows = new long[nodes * SLOTS * LONGS];
    this.reasons = new FailureReasons(nodes * SLOTS);
  }

  Generation generation() {
    return generation;
  }

  /** The row's number for the node at {@code position} and the GPU shape. */
  int row(int position, int gpuShape) {
    return (gpuShape & (SLOTS - 1)) * nodes + position;
  }

  /**
   * The {@link Verdict} for a pod of GPU memory request {@code memoryMiB} and CPU request {@code cpuMilli} when the row
   * holds {@code tag} and the memory request; else {@link #MISSING}, or {@link #BETWEEN} the CPU ranges.
   */
  int verdict(int row, long tag, long memoryMiB, long cpuMilli) {
    int at = row * LONGS;
    long version = (long) ROWS.getAcquire(rows, at + VERSION);
    long rowTag = rows[at + TAG];
    long memory = rows[at + MEMORY];
    long cpuLow = rows[at + CPU_LOW];
    long cpuHigh = rows[at + CPU_HIGH];
    long verdicts = rows[at + VERDICTS];
    VarHandle.loadLoadFence();
    if (rowTag != tag || !Range.holds(memory, memoryMiB) || (version & 1) != 0
        || (long) ROWS.getAcquire(rows, at + VERSION) != version) {
      return MISSING;
    }
    if (Range.holds(cpuLow, cpuMilli)) {
      return (int) verdicts & 0xFF;
    }
    return Range.holds(cpuHigh, cpuMilli) ? (int) (verdicts >>> 8) & 0xFF : BETWEEN;
  }

  /** Stores the node's verdict by CPU request for the memory requests of {@code memory}, unless a writer holds the row. */
  void write(int row, long tag, long memory, CpuRanges byCpu) {
    int at = row * LONGS;
    long version = (long) ROWS.getOpaque(rows, at + VERSION);
    if ((version & 1) != 0 || !ROWS.compareAndSet(rows, at + VERSION, version, version + 1)) {
      return;
    }
    rows[at + TAG] = tag;
    rows[at + MEMORY] = memory;
    rows[at + CPU_LOW] = Range.of(Long.MIN_VALUE, byCpu.lowTo());
    rows[at + CPU_HIGH] = Range.of(byCpu.highFrom(), Long.MAX_VALUE);
    rows[at + VERDICTS] = byCpu.low() | (long) byCpu.high() << 8;
    ROWS.setRelease(rows, at + VERSION, version + 2);
  }

  /** The failure reasons, by row number. */
  FailureReasons reasons() {
    return reasons;
  }
}
