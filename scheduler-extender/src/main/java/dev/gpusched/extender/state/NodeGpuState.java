package dev.gpusched.extender.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Immutable GPU state of one node as gpusched believes it: which GPUs are held whole, which are shared and how much of
 * each share is used. Built by {@link NodeStateBuilder}; read lock-free by filter and prioritize.
 */
public final class NodeGpuState {
  private final NodeInfo info;
  private final long allMask;
  private final long wholeMask;
  private final long sharedMask;
  private final long unusableMask;
  private final int[] milliUsed;
  private final long[] memoryRequestedMiB;
  private final List<Holder> holders;
  private final List<String> conflicts;
  private final int freeWholeCount;
  private final long[] freeMemoryMiB;
  private final String[] unusableReasons;
  private final NodeTelemetry telemetry;
  private final List<dev.gpusched.extender.dcgm.GroundTruth.Disagreement> disagreements;
  /** GPUs no gang member holds yet but a gang reservation keeps for it: used for every pod outside that gang. */
  private final long reservedMask;
  /** From {@link #info}, kept here because the per-node loop reads them for every node and pod. */
  private final int gpuCount;
  private final boolean offersGpus;
  /** CPU requested by every pod bound to the node (GPU pods or not) and by binds in flight, in milli-CPU. */
  private final long cpuRequestedMilli;
  /** {@code info().topology()} and {@code info().cpuAllocatableMilli()}, kept here so the per-node loop skips NodeInfo. */
  private final dev.gpusched.topology.TopologyClass topology;
  private final long cpuAllocatableMilli;
  /** {@code info().product()} in lower case (the pod's allowed models are lower case), or "" when unknown. */
  private final String productLowerCase;
  /** {@link GpuProducts#numberOf} the product: the same for every node of one product. */
  private final int productNumber;
  /** See {@link #usedMilli()}: precomputed because every score of every pod reads it. */
  private final long usedMilli;
  /** See {@link #leftMilliAscending()}: shared by the states {@link #withReservedMask} and {@link #withCpuRequested} make. */
  private final int[] leftMilliAscending;
  private final long leftMilliSum;
  /**
   * The least free memory among the GPUs of {@link #freeWholeMask()} ({@link Long#MAX_VALUE} when there are none): a
   * memory request up to it leaves every free GPU eligible, so {@link #eligibleWholeMask} need not look at each GPU.
   */
  private final long minFreeWholeMemoryMiB;

  /** Free memory of a GPU whose size is unknown and unobserved: no memory request is refused for it. */
  public static final long UNKNOWN_FREE_MIB = Long.MAX_VALUE;

  NodeGpuState(NodeInfo info, long wholeMask, long sharedMask, long unusableMask, int[] milliUsed, long[] memoryRequestedMiB,
      List<Holder> holders, List<String> conflicts) {
    this(info, wholeMask, sharedMask, unusableMask, milliUsed, memoryRequestedMiB, holders, conflicts,
        ledgerFreeMemory(info, memoryRequestedMiB), new String[info.gpuCount()], null, List.of());
  }

  NodeGpuState(NodeInfo info, long wholeMask, long sharedMask, long unusableMask, int[] milliUsed, long[] memoryRequestedMiB,
      List<Holder> holders, List<String> conflicts, long[] freeMemoryMiB, String[] unusableReasons, NodeTelemetry telemetry,
      List<dev.gpusched.extender.dcgm.GroundTruth.Disagreement> disagreements) {
    this(info, wholeMask, sharedMask, unusableMask, milliUsed, memoryRequestedMiB, holders, conflicts, freeMemoryMiB,
        unusableReasons, telemetry, disagreements, 0L, 0L, null);
  }

  private NodeGpuState(NodeInfo info, long wholeMask, long sharedMask, long unusableMask, int[] milliUsed,
      long[] memoryRequestedMiB, List<Holder> holders, List<String> conflicts, long[] freeMemoryMiB,
      String[] unusableReasons, NodeTelemetry telemetry,
      List<dev.gpusched.extender.dcgm.GroundTruth.Disagreement> disagreements, long reservedMask,
      long cpuRequestedMilli, int[] leftMilliAscending) {
    this.cpuRequestedMilli = cpuRequestedMilli;
    this.freeMemoryMiB = freeMemoryMiB;
    this.unusableReasons = unusableReasons;
    this.telemetry = telemetry;
    this.disagreements = List.copyOf(disagreements);
    this.info = info;
    this.gpuCount = info.gpuCount();
    this.offersGpus = info.problem() == null && info.gpuCount() > 0;
    int n = info.gpuCount();
    this.allMask = n >= 64 ? -1L : (1L << n) - 1;
    this.wholeMask = wholeMask;
    this.sharedMask = sharedMask;
    this.unusableMask = unusableMask & allMask;
    this.milliUsed = milliUsed;
    this.memoryRequestedMiB = memoryRequestedMiB;
    this.holders = Collections.unmodifiableList(holders);
    this.conflicts = Collections.unmodifiableList(conflicts);
    this.reservedMask = reservedMask & allMask;
    this.freeWholeCount = Long.bitCount(freeWholeMask());
    this.topology = info.topology();
    this.cpuAllocatableMilli = info.cpuAllocatableMilli();
    this.productLowerCase = info.product() == null ? "" : info.product().toLowerCase(java.util.Locale.ROOT);
    this.productNumber = GpuProducts.numberOf(productLowerCase);
    long used = (long) Long.bitCount(wholeMask) * 1000;
    for (long m = sharedMask; m != 0; m &= m - 1) {
      used += milliUsed[Long.numberOfTrailingZeros(m)];
    }
    this.usedMilli = used;
    this.leftMilliAscending = leftMilliAscending != null ? leftMilliAscending : leftsAscending();
    long sum = 0;
    for (int left : this.leftMilliAscending) {
      sum += left;
    }
    this.leftMilliSum = sum;
    long min = Long.MAX_VALUE;
    for (long m = freeWholeMask(); m != 0; m &= m - 1) {
      min = Math.min(min, freeMemoryMiB[Long.numberOfTrailingZeros(m)]);
    }
    this.minFreeWholeMemoryMiB = min;
  }

  /** Every GPU's {@link #leftMilli}, sorted ascending (insertion sort: a node has at most 64 GPUs, usually 8). */
  private int[] leftsAscending() {
    int[] lefts = new int[gpuCount];
    for (int g = 0; g < gpuCount; g++) {
      int left = leftMilli(g);
      int i = g - 1;
      while (i >= 0 && lefts[i] > left) {
        lefts[i + 1] = lefts[i];
        i--;
      }
      lefts[i + 1] = left;
    }
    return lefts;
  }

  /**
   * Free milli-GPU of GPU {@code gpu} for any pod: 0 when it is held whole or unusable, else 1000 minus its shares' use
   * (at least 0). Reservations do not count: a reserved GPU is free for its gang.
   */
  public int leftMilli(int gpu) {
    long bit = 1L << gpu;
    if (((wholeMask | unusableMask) & bit) != 0) {
      return 0;
    }
    return Math.max(0, 1000 - ((sharedMask & bit) != 0 ? milliUsed[gpu] : 0));
  }

  /**
   * {@link #leftMilli} of every GPU, ascending (shared, do not modify): fragmentation sweeps these against the workload's
   * demand classes, and a placement changes only a few of them, so they are sorted once per node state, not per pod.
   */
  public int[] leftMilliAscending() {
    return leftMilliAscending;
  }

  /** The sum of {@link #leftMilli} over the node's GPUs: its free milli-GPU. */
  public long leftMilliSum() {
    return leftMilliSum;
  }

  /**
   * Milli-GPU in use: 1000 per GPU held whole plus the used share of every shared GPU. Precomputed because packing reads
   * it for every pod.
   */
  public long usedMilli() {
    return usedMilli;
  }

  /** The node's GPU interconnect class ({@code info().topology()}), or null. */
  public dev.gpusched.topology.TopologyClass topology() {
    return topology;
  }

  /** The GPU product label in lower case, "" when unknown: what {@code gpusched.dev/gpu-model} entries are matched in. */
  public String productLowerCase() {
    return productLowerCase;
  }

  /** {@link GpuProducts#numberOf} {@link #productLowerCase}: equal for equal products, or {@link GpuProducts#UNNUMBERED}. */
  public int productNumber() {
    return productNumber;
  }

  /** {@code info().cpuAllocatableMilli()}: allocatable CPU in milli-CPU, or 0 when unknown. */
  public long cpuAllocatableMilli() {
    return cpuAllocatableMilli;
  }

  static long[] ledgerFreeMemory(NodeInfo info, long[] requested) {
    long[] free = new long[info.gpuCount()];
    for (int g = 0; g < free.length; g++) {
      free[g] = info.gpuMemoryMiB() > 0 ? Math.max(0, info.gpuMemoryMiB() - requested[g]) : UNKNOWN_FREE_MIB;
    }
    return free;
  }

  /**
   * Free framebuffer of GPU {@code gpu} in MiB: DCGM's observed free minus what gpusched placed there that DCGM does not
   * show yet; without fresh DCGM data, the GPU's size minus the memory requested by its holders; or
   * {@link #UNKNOWN_FREE_MIB}.
   */
  public long freeMemoryMiB(int gpu) {
    return freeMemoryMiB[gpu];
  }

  /** Free GPUs (for a whole-GPU pod) with at least {@code memoryMiB} free each. */
  public long eligibleWholeMask(long memoryMiB) {
    long free = freeWholeMask();
    if (memoryMiB <= 0 || memoryMiB <= minFreeWholeMemoryMiB) {
      return free;
    }
    long out = 0;
    for (long m = free; m != 0; m &= m - 1) {
      int g = Long.numberOfTrailingZeros(m);
      if (freeMemoryMiB[g] >= memoryMiB) {
        out |= 1L << g;
      }
    }
    return out;
  }

  /** Why GPU {@code gpu} is excluded (e.g. a fatal XID), or null. */
  public String unusableReason(int gpu) {
    return unusableReasons[gpu];
  }

  /** The DCGM data this state was built with, or null when it was built from the ledger alone. */
  public NodeTelemetry telemetry() {
    return telemetry;
  }

  /** GPUs where gpusched's records and dcgm-exporter's pod labels disagree (observed wins for accounting). */
  public List<dev.gpusched.extender.dcgm.GroundTruth.Disagreement> disagreements() {
    return disagreements;
  }

  public String name() {
    return info.name();
  }

  public NodeInfo info() {
    return info;
  }

  public int gpuCount() {
    return gpuCount;
  }

  /** True when the node has GPUs and its GPU data is usable ({@code info().problem()} is null). */
  public boolean offersGpus() {
    return offersGpus;
  }

  /** GPUs held whole by some pod. */
  public long wholeMask() {
    return wholeMask;
  }

  /** GPUs with at least one share on them: only shared pods may join them. */
  public long sharedMask() {
    return sharedMask;
  }

  /** GPUs no pod may take (node problem, unhealthy device). */
  public long unusableMask() {
    return unusableMask;
  }

  /** GPUs free for a whole-GPU pod outside every gang: neither held, unusable nor reserved for a gang. */
  public long freeWholeMask() {
    return allMask & ~(wholeMask | sharedMask | unusableMask | reservedMask);
  }

  /** GPUs free before gang reservations are subtracted (a gang's planner subtracts only other gangs' reservations). */
  public long freeWholeMaskIgnoringReservations() {
    return allMask & ~(wholeMask | sharedMask | unusableMask);
  }

  /** GPUs kept for gang members that are not bound yet ({@code gpusched.dev/reserved-gpu-ids}); 0 without gangs. */
  public long reservedMask() {
    return reservedMask;
  }

  /** This node with other gang reservations: the same holders, {@code mask} as the reserved GPUs. */
  public NodeGpuState withReservedMask(long mask) {
    if (mask == reservedMask) {
      return this;
    }
    return new NodeGpuState(info, wholeMask, sharedMask, unusableMask, milliUsed, memoryRequestedMiB, holders, conflicts,
        freeMemoryMiB, unusableReasons, telemetry, disagreements, mask, cpuRequestedMilli, leftMilliAscending);
  }

  /** CPU requested on this node by every pod bound to it and by binds in flight, in milli-CPU. */
  public long cpuRequestedMilli() {
    return cpuRequestedMilli;
  }

  /** This node with {@code milli} of CPU requested by its pods. */
  public NodeGpuState withCpuRequested(long milli) {
    if (milli == cpuRequestedMilli) {
      return this;
    }
    return new NodeGpuState(info, wholeMask, sharedMask, unusableMask, milliUsed, memoryRequestedMiB, holders, conflicts,
        freeMemoryMiB, unusableReasons, telemetry, disagreements, reservedMask, milli, leftMilliAscending);
  }

  public int freeWholeCount() {
    return freeWholeCount;
  }

  public int milliUsed(int gpu) {
    return milliUsed[gpu];
  }

  public long memoryRequestedMiB(int gpu) {
    return memoryRequestedMiB[gpu];
  }

  public List<Holder> holders() {
    return holders;
  }

  /** Double bookings and over-commitment found while building this state; empty when consistent. */
  public List<String> conflicts() {
    return conflicts;
  }

  /** This node as it would be if the pods {@code uids} were gone (preemption's what-if). */
  public NodeGpuState without(java.util.Set<String> uids) {
    long whole = 0;
    long shared = 0;
    int[] milli = new int[milliUsed.length];
    long[] memory = new long[memoryRequestedMiB.length];
    List<Holder> kept = new ArrayList<>(holders.size());
    for (Holder h : holders) {
      if (uids.contains(h.uid())) {
        continue;
      }
      kept.add(h);
      for (long m = h.mask(); m != 0; m &= m - 1) {
        int g = Long.numberOfTrailingZeros(m);
        memory[g] += h.memoryMiB();
        if (h.milli() > 0) {
          milli[g] += h.milli();
        }
      }
      if (h.milli() > 0) {
        shared |= h.mask();
      } else {
        whole |= h.mask();
      }
    }
    long[] freeMemory = freeMemoryMiB.clone();
    for (int g = 0; g < freeMemory.length; g++) {
      if (freeMemory[g] != UNKNOWN_FREE_MIB) {
        freeMemory[g] += memoryRequestedMiB[g] - memory[g];
      }
    }
    return new NodeGpuState(info, whole, shared, unusableMask, milli, memory, kept, conflicts, freeMemory, unusableReasons,
        telemetry, disagreements, reservedMask, cpuRequestedMilli, null);
  }

  /** Pod keys holding GPU {@code gpu}, whole or a share of it. */
  public List<String> holdersOf(int gpu) {
    List<String> out = new ArrayList<>(2);
    long bit = 1L << gpu;
    for (Holder h : holders) {
      if ((h.mask() & bit) != 0) {
        out.add(h.podKey());
      }
    }
    return out;
  }
}
