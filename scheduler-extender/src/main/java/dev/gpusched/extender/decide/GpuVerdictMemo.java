package dev.gpusched.extender.decide;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pipeline's memo of what its verdicts owe to the GPU side of a demand (everything but the pod's CPU request), per
 * node state and GPU demand: which filter fails, or the verdict for the CPU requests in each of the split score's two
 * flat ranges ({@link CpuSplitScore}) and what it takes to finish the verdict for a request between them. A pod whose
 * GPU demand was seen before (a new workload of a usual GPU shape) then costs a row read per node, without touching the
 * node's state. {@link VerdictMemo} still answers repeated pods of one full shape first.
 *
 * <p>When the plugins read the pod's GPU memory request by fit alone ({@link MemoryFitRange}), a GPU demand's shape leaves the
 * request out and a row also keeps the range of requests that fit the node's GPUs alike: a new memory request inside
 * it reads the row too.
 *
 * <p>One memo serves one snapshot layout, one set of scorers' inputs versions and one numbering of GPU shapes, like
 * {@link VerdictMemo}. A row is a version and seven longs of data: {@code tag | result} (as in {@link VerdictMemo}: the
 * failing filter, or the verdict for CPU keys in the low range), the memory range ({@link MemoryFitRange}; {@link
 * MemoryFitRange#ALL} when the shape holds the request), the low range ({@link CpuSplitScore#lowRange}), the high range's
 * first key {@code << 8 |} its verdict ({@link #NO_HIGH}: no high range), then for keys between the ranges the other
 * scores' rank and the split score's two longs. Rows of one slot lie side by side by node position (slot-major), so one
 * call reads one contiguous stretch in node order. Rows are written under a sequence lock without blocking: a writer
 * claims the row by making its version odd (giving up when another writer holds it, which only costs a later
 * recomputation) and publishes it with the next even version; a reader accepts a row only when its version was even and
 * unchanged around the read, so it never sees half of two writes.
 */
final class GpuVerdictMemo {
  static final int SLOTS = 4;
  /** Longs of a row's data, as {@link #read} and {@link #write} take them. */
  static final int DATA = 7;
  /** {@link #verdict}: the row does not hold the tag (or is being written). */
  static final int MISSING = -1;
  /** {@link #verdict}: the CPU key lies between the ranges; {@link #read} the row and finish the verdict. */
  static final int BETWEEN = -2;
  /** The high-range long of a row without a high range. */
  static final long NO_HIGH = 0xFF;

  private static final int STRIDE = 1 + DATA;
  private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(long[].class);


  private final Object layout;
  private final int[] inputsVersions;
  private final int shapeEpoch;
  private final int nodes;
  private final long[] rows;
  private final FailureReasons reasons;

  GpuVerdictMemo(Object layout, int nodes, int[] inputsVersions, int shapeEpoch) {
    this.layout = layout;
    this.inputsVersions = inputsVersions;
    this.shapeEpoch = shapeEpoch;
    this.nodes = nodes;
    this.rows = new long[nodes * SLOTS * STRIDE];
    this.reasons = new FailureReasons(nodes * SLOTS);
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
   * The verdict ({@link VerdictMemo} result byte) for a pod of GPU memory request {@code memoryMiB} and CPU key
   * {@code cpuKey} when the row holds {@code tag} and the request's memory range, and the key lies in a flat range or
   * the node fails a filter; else {@link #MISSING} or {@link #BETWEEN}. Reads four longs and the version, copies nothing.
   */
  int verdict(int row, long tag, long memoryMiB, long cpuKey) {
    int at = row * STRIDE;
    long version = (long) ROWS.getAcquire(rows, at);
    long head = rows[at + 1];
    long memory = rows[at + 2];
    long low = rows[at + 3];
    long high = rows[at + 4];
    VarHandle.loadLoadFence();
    if ((head & ~0xFFL) != tag || !MemoryFitRange.holds(memory, memoryMiB) || (version & 1) != 0
        || (long) ROWS.getAcquire(rows, at) != version) {
      return MISSING;
    }
    int result = (int) head & 0xFF;
    if (VerdictMemo.failedFilter(result) >= 0
        || cpuKey >= CpuSplitScore.lowFrom(low) && cpuKey <= CpuSplitScore.lowTo(low)) {
      return result;
    }
    if (high != NO_HIGH && cpuKey >= high >> 8) {
      return (int) high & 0xFF;
    }
    return BETWEEN;
  }

  /**
   * The memory range of the row when it holds {@code tag} and a range with the request, else
   * {@link MemoryFitRange#NONE}.
   */
  long memoryRange(int row, long tag, long memoryMiB) {
    int at = row * STRIDE;
    long version = (long) ROWS.getAcquire(rows, at);
    long head = rows[at + 1];
    long memory = rows[at + 2];
    VarHandle.loadLoadFence();
    return (head & ~0xFFL) == tag && MemoryFitRange.holds(memory, memoryMiB) && (version & 1) == 0
        && (long) ROWS.getAcquire(rows, at) == version ? memory : MemoryFitRange.NONE;
  }

  /**
   * Copies the row's {@link #DATA} longs into {@code out} when it holds {@code tag} and the request's memory range whole;
   * false otherwise.
   */
  boolean read(int row, long tag, long memoryMiB, long[] out) {
    int at = row * STRIDE;
    long version = (long) ROWS.getAcquire(rows, at);
    for (int i = 0; i < DATA; i++) {
      out[i] = rows[at + 1 + i];
    }
    VarHandle.loadLoadFence();
    return (out[0] & ~0xFFL) == tag && MemoryFitRange.holds(out[1], memoryMiB) && (version & 1) == 0
        && (long) ROWS.getAcquire(rows, at) == version;
  }

  /** Stores the {@link #DATA} longs of {@code values} in the row, unless another writer holds it. */
  void write(int row, long[] values) {
    int at = row * STRIDE;
    long version = (long) ROWS.getOpaque(rows, at);
    if ((version & 1) != 0 || !ROWS.compareAndSet(rows, at, version, version + 1)) {
      return;
    }
    for (int i = 0; i < DATA; i++) {
      rows[at + 1 + i] = values[i];
    }
    ROWS.setRelease(rows, at, version + 2);
  }

  /** The failure reasons, by the same index as the entries ({@code row}). */
  FailureReasons reasons() {
    return reasons;
  }
}
