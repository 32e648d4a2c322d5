package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.decide.CpuRanges;
import dev.gpusched.extender.decide.Plugins;
import dev.gpusched.extender.decide.PodInput;
import dev.gpusched.extender.decide.Verdict;
import dev.gpusched.extender.decide.VerdictSource;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;

/**
 * The plugins' verdicts, remembered: a decorator of {@link Plugins} that answers exactly as they do. A verdict depends
 * only on the node's immutable state, what the plugins read of the pod ({@link PodInput}) and the scorers' inputs
 * versions, so it is kept per node stamp and demand shape ({@link VerdictMemo}): the second and later replicas of a
 * workload cost a read on every node no bind changed since. Behind that, when no filter reads the pod's CPU request,
 * {@link GpuRows} keep each node's verdict per GPU demand as a function of the CPU request, and, when no plugin reads
 * the GPU memory request beyond fit, for a range of memory requests: a new CPU request or model size of a known GPU
 * demand is a row read per node. A GPU demand's rows are written from its second pod on, so a demand seen once does not
 * pay for them.
 */
public final class MemoizedVerdicts implements VerdictSource {
  private final Plugins plugins;
  /** Whether rows serve pods that differ in CPU: no filter reads the CPU request. */
  private final boolean rowsServe;
  /** Whether rows leave the GPU memory request out of the shape and keep a range of requests instead. */
  private final boolean memoryByFit;
  private final DemandShapes shapes = new DemandShapes(DemandShapes.MAX_ID, true, true);
  private final DemandShapes gpuShapes;
  private volatile VerdictMemo memo = new VerdictMemo(new Generation(null, new int[0], 0), 0);
  private volatile GpuRows rows;

  public MemoizedVerdicts(Plugins plugins) {
    this.plugins = plugins;
    this.rowsServe = !plugins.filtersRead(PodInput.CPU_REQUEST);
    this.memoryByFit = !plugins.anyReads(PodInput.GPU_MEMORY);
    this.gpuShapes = new DemandShapes(DemandShapes.MAX_ID, false, !memoryByFit);
  }

  @Override
  public VerdictSource.Call open(PodDemand demand, ClusterSnapshot snapshot) {
    int[] versions = plugins.inputsVersions();
    long shape = shapes.idOf(demand);
    VerdictMemo m = memo;
    if (!m.generation().serves(snapshot.index(), versions, DemandShapes.epoch(shape))) {
      m = new VerdictMemo(new Generation(snapshot.index(), versions, DemandShapes.epoch(shape)), snapshot.nodes().length);
      memo = m;
    }
    return new MemoCall(this, plugins.open(demand, snapshot), demand, snapshot, versions, shape, m);
  }

  /** Whether a call of {@code demand} reads and writes rows: they serve, and its requests fit a row's ranges. */
  boolean rowsServe(PodDemand demand) {
    return rowsServe && Range.holds(Range.ALL, demand.memoryMiB()) && Range.holds(Range.ALL, demand.cpuMilli());
  }

  boolean memoryByFit() {
    return memoryByFit;
  }

  /** The GPU shape id of a demand ({@link DemandShapes#idOf}). */
  long gpuShape(PodDemand demand) {
    return gpuShapes.idOf(demand);
  }

  /** The rows for this layout, inputs and GPU shapes' epoch: the last table, or a new one. */
  GpuRows rowsFor(ClusterSnapshot snapshot, int[] versions, int shapeEpoch) {
    GpuRows r = rows;
    if (r == null || !r.generation().serves(snapshot.index(), versions, shapeEpoch)) {
      r = new GpuRows(new Generation(snapshot.index(), versions, shapeEpoch), snapshot.nodes().length);
      rows = r;
    }
    return r;
  }

  /**
   * One call through the memo: a node's verdict from {@link VerdictMemo} (this shape on this node state), else from its
   * GPU row (this GPU demand), else from the plugins; each level missed is filled.
   */
  private static final class MemoCall implements VerdictSource.Call {
    private final MemoizedVerdicts memos;
    private final Plugins.Call plugins;
    private final PodDemand demand;
    private final ClusterSnapshot snapshot;
    private final int[] versions;
    private final int shape;
    /** No call numbered this shape before: the memo holds none of its verdicts (but those of concurrent first calls). */
    private final boolean newShape;
    private final VerdictMemo memo;
    /** Whether the GPU side below is set up ({@link #gpuSide}): a call the memo answers whole needs none. */
    private boolean gpuReady;
    /** Null when rows do not serve this call. */
    private GpuRows rows;
    private int gpuShape;
    /** False for the first pod of a GPU demand: its verdicts come from the plugins and no row is written. */
    private boolean rowsKept;
    private int computed;
    private int fromRows;

    MemoCall(MemoizedVerdicts memos, Plugins.Call plugins, PodDemand demand, ClusterSnapshot snapshot, int[] versions,
        long shape, VerdictMemo memo) {
      this.memos = memos;
      this.plugins = plugins;
      this.demand = demand;
      this.snapshot = snapshot;
      this.versions = versions;
      this.shape = DemandShapes.number(shape);
      this.newShape = DemandShapes.firstSighting(shape);
      this.memo = memo;
    }

    /** The same call for another thread: its own plugin call and counts, the parent's shapes and memos. */
    private MemoCall(MemoCall parent) {
      this.memos = parent.memos;
      this.plugins = parent.plugins.fork();
      this.demand = parent.demand;
      this.snapshot = parent.snapshot;
      this.versions = parent.versions;
      this.shape = parent.shape;
      this.newShape = parent.newShape;
      this.memo = parent.memo;
      this.gpuReady = parent.gpuReady;
      this.rows = parent.rows;
      this.gpuShape = parent.gpuShape;
      this.rowsKept = parent.rowsKept;
    }

    /** Nothing for a shape no call numbered before: its entries could only be a concurrent first call's. */
    @Override
    public int known(int position) {
      return newShape ? Verdict.UNKNOWN
          : memo.verdict(VerdictMemo.slot(position, shape), DemandShapes.tag(snapshot.stamps()[position], shape));
    }

    @Override
    public boolean nothingKnown() {
      return newShape;
    }

    @Override
    public int compute(int position) {
      int stamp = snapshot.stamps()[position];
      int verdict = gpuSide() && rowsKept ? fromRow(position, stamp) : fromPlugins(position);
      memo.put(VerdictMemo.slot(position, shape), DemandShapes.tag(stamp, shape), verdict);
      return verdict;
    }

    private int fromPlugins(int position) {
      computed++;
      return plugins.compute(position);
    }

    /** The verdict from the node's row: read, or computed from the plugins and written. */
    private int fromRow(int position, int stamp) {
      int row = rows.row(position, gpuShape);
      long tag = DemandShapes.tag(stamp, gpuShape);
      int verdict = rows.verdict(row, tag, demand.memoryMiB(), demand.cpuMilli());
      if (verdict >= 0) {
        fromRows++;
        return verdict;
      }
      if (verdict == GpuRows.MISSING) {
        CpuRanges byCpu = plugins.verdictByCpu(position);
        long memory = memos.memoryByFit() ? MemoryFitRange.around(plugins.node(position), demand.memoryMiB())
            : Range.ALL;
        rows.write(row, tag, memory, byCpu);
        verdict = byCpu.valueFor(demand.cpuMilli());
        if (verdict != CpuRanges.BETWEEN) {
          computed++;
          return verdict;
        }
      }
      // between the row's CPU ranges: a failing filter would have made the row flat, so only the scores run
      computed++;
      return plugins.computePassed(position);
    }

    /** Sets up the GPU side at the first need; false when rows do not serve this call. */
    private boolean gpuSide() {
      if (!gpuReady) {
        gpuReady = true;
        if (memos.rowsServe(demand)) {
          long id = memos.gpuShape(demand);
          gpuShape = DemandShapes.number(id);
          rowsKept = !DemandShapes.firstSighting(id);
          rows = memos.rowsFor(snapshot, versions, DemandShapes.epoch(id));
        }
      }
      return rows != null;
    }

    /**
     * Why filter {@code filter} rejects the node: kept beside the verdict for this shape, and beside the GPU row for the
     * pods of other CPU requests and (when the words do not quote it) other memory requests that fit the node alike.
     */
    @Override
    public String reason(int position, int filter) {
      int stamp = snapshot.stamps()[position];
      int slot = VerdictMemo.slot(position, shape);
      long tag = DemandShapes.tag(stamp, shape);
      long memory = demand.memoryMiB();
      FailureReasons kept = memo.reasons();
      String reason = newShape ? null : kept.get(slot, tag, memory);
      if (reason != null) {
        return reason;
      }
      boolean byRow = gpuSide() && rowsKept;
      int row = byRow ? rows.row(position, gpuShape) : 0;
      long gpuTag = DemandShapes.tag(stamp, gpuShape);
      reason = byRow ? rows.reasons().get(row, gpuTag, memory) : null;
      if (reason == null) {
        reason = plugins.reason(position, filter);
        if (byRow) {
          long served = !memos.memoryByFit() ? Range.ALL
              : plugins.reasonQuotesMemory(position, filter) ? Range.of(memory, memory)
              : MemoryFitRange.around(plugins.node(position), memory);
          rows.reasons().put(row, gpuTag, served, reason);
        }
      }
      kept.put(slot, tag, Range.ALL, reason);
      return reason;
    }

    @Override
    public VerdictSource.Call fork() {
      gpuSide(); // numbered once, for the whole call, before the forks copy it
      return new MemoCall(this);
    }

    @Override
    public int computed() {
      return computed;
    }

    @Override
    public int fromRows() {
      return fromRows;
    }
  }
}
