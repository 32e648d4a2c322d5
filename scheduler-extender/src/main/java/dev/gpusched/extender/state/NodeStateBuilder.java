package dev.gpusched.extender.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.gpusched.extender.dcgm.GpuSample;
import dev.gpusched.extender.dcgm.GroundTruth;
import dev.gpusched.extender.model.GpuIds;

/**
 * Derives a node's {@link NodeGpuState} from the node and the pods on it: a pure function, so the ledger is whatever the
 * API says and a restart rebuilds exactly the same state.
 *
 * <p>Pods with {@code gpusched.dev/gpu-ids} hold those GPUs. Pods bound by someone else without it hold their count of the
 * lowest free GPUs (marked inferred), placed after every recorded pod so a recorded claim is never displaced.
 */
public final class NodeStateBuilder {
  private static final Comparator<PodRecord> ORDER =
      Comparator.comparing((PodRecord p) -> p.creationTimestamp() == null ? "" : p.creationTimestamp())
          .thenComparing(PodRecord::key);

  private NodeStateBuilder() {}

  /**
   * @param pods pods bound to this node that hold GPUs, from the API
   * @param assumed pods gpusched is binding to this node, not yet visible as bound through the API
   */
  public static NodeGpuState build(NodeInfo info, Collection<PodRecord> pods, Collection<PodRecord> assumed) {
    return build(info, pods, assumed, null);
  }

  /**
   * @param telemetry fresh DCGM data for the node, or null to decide on the ledger alone. With it: GPUs with a fatal XID
   *     are excluded, free memory is the observed one, and where dcgm-exporter sees a pod on other GPUs than recorded, the
   *     observed GPUs are accounted (and the disagreement kept for /inspect and metrics).
   */
  public static NodeGpuState build(NodeInfo info, Collection<PodRecord> pods, Collection<PodRecord> assumed,
      NodeTelemetry telemetry) {
    List<GroundTruth.Disagreement> disagreements = List.of();
    if (telemetry != null && !telemetry.observedPods().isEmpty()) {
      Map<Integer, Set<String>> recorded = new HashMap<>();
      for (PodRecord p : pods) {
        if (p.recordedIds() != null) {
          for (int id : p.recordedIds()) {
            recorded.computeIfAbsent(id, k -> new HashSet<>()).add(p.key());
          }
        }
      }
      disagreements = GroundTruth.compare(info.name(), recorded, telemetry.observedPods()).disagreements();
      pods = trustObserved(pods, telemetry.observedPods());
    }
    int n = info.gpuCount();
    long unusable = info.problem() != null ? -1L : 0L;
    int[] milli = new int[n];
    long[] memory = new long[n];
    long whole = 0;
    long shared = 0;
    List<Holder> holders = new ArrayList<>();
    List<String> conflicts = new ArrayList<>();

    List<PodRecord> recorded = new ArrayList<>();
    List<PodRecord> unrecorded = new ArrayList<>();
    for (PodRecord p : pods) {
      (p.recordedIds() != null ? recorded : unrecorded).add(p);
    }
    recorded.sort(ORDER);
    unrecorded.sort(ORDER);

    List<PodRecord> ordered = new ArrayList<>(assumed.size() + recorded.size());
    ordered.addAll(recorded);
    ordered.addAll(assumed);
    for (PodRecord p : ordered) {
      boolean isAssumed = assumed.contains(p);
      long mask = 0;
      boolean valid = true;
      for (int id : p.recordedIds()) {
        if (id < 0 || id >= n) {
          conflicts.add(p.key() + " records GPU " + id + " but the node has " + n + " GPUs");
          valid = false;
        } else {
          mask |= 1L << id;
        }
      }
      int expected = p.milli() > 0 ? 1 : p.gpus();
      if (valid && Long.bitCount(mask) != expected) {
        conflicts.add(p.key() + " records " + Long.bitCount(mask) + " GPU(s) (" + GpuIds.format(mask) + ") but requests " + expected);
      }
      if (!valid || mask == 0) {
        // Account for the request anyway so the node is not over-committed by the broken record.
        unrecorded.add(p);
        continue;
      }
      if (p.milli() > 0) {
        int gpu = Long.numberOfTrailingZeros(mask);
        if ((whole & mask) != 0) {
          conflicts.add("GPU " + gpu + " is held whole and also shared by " + p.key());
        }
        if (milli[gpu] + p.milli() > 1000) {
          conflicts.add("GPU " + gpu + " is shared beyond 1000 milli-GPU (adding " + p.key() + ")");
        }
        shared |= mask;
        milli[gpu] += p.milli();
        memory[gpu] += p.memoryMiB();
      } else {
        long clash = mask & (whole | shared);
        if (clash != 0) {
          conflicts.add("GPU(s) " + GpuIds.format(clash) + " double-booked: " + p.key() + " and " + String.join(", ", holdersOf(holders, clash)));
        }
        whole |= mask;
        addMemory(memory, mask, p.memoryMiB());
      }
      holders.add(new Holder(p.uid(), p.key(), mask, p.milli(), p.memoryMiB(), false, isAssumed));
    }

    for (PodRecord p : unrecorded) {
      long all = n >= 64 ? -1L : (1L << n) - 1;
      if (p.milli() > 0) {
        int gpu = pickShared(n, whole, shared, milli, p.milli());
        if (gpu < 0) {
          conflicts.add(p.key() + " shares a GPU but no GPU has " + p.milli() + " milli-GPU left: node over-committed");
          continue;
        }
        shared |= 1L << gpu;
        milli[gpu] += p.milli();
        memory[gpu] += p.memoryMiB();
        holders.add(new Holder(p.uid(), p.key(), 1L << gpu, p.milli(), p.memoryMiB(), true, false));
        continue;
      }
      long free = all & ~(whole | shared);
      long mask = 0;
      for (int i = 0; i < p.gpus() && free != 0; i++) {
        long low = Long.lowestOneBit(free);
        mask |= low;
        free &= ~low;
      }
      if (Long.bitCount(mask) < p.gpus()) {
        conflicts.add(p.key() + " holds " + p.gpus() + " GPU(s) but only " + Long.bitCount(mask) + " were free: node over-committed");
      }
      whole |= mask;
      addMemory(memory, mask, p.memoryMiB());
      holders.add(new Holder(p.uid(), p.key(), mask, 0, p.memoryMiB(), true, false));
    }
    String[] unusableReasons = new String[n];
    long[] freeMemory = NodeGpuState.ledgerFreeMemory(info, memory);
    if (telemetry != null) {
      for (int g = 0; g < n; g++) {
        GpuSample sample = telemetry.sample(g);
        if (sample == null) {
          continue;
        }
        if (telemetry.health().excludes(sample)) {
          unusable |= 1L << g;
          unusableReasons[g] = telemetry.health().reason(g, sample.lastXid());
        }
        if (sample.hasFreeMemory()) {
          freeMemory[g] = Math.max(0, sample.fbFreeMiB() - pendingMiB(holders, g, telemetry.observedPods().get(g)));
        }
      }
    }
    return new NodeGpuState(info, whole, shared, unusable, milli, memory, holders, conflicts, freeMemory, unusableReasons,
        telemetry, disagreements);
  }

  /** Memory promised to holders of GPU {@code gpu} that dcgm-exporter does not show on it yet (not started). */
  private static long pendingMiB(List<Holder> holders, int gpu, Set<String> observed) {
    long pending = 0;
    long bit = 1L << gpu;
    for (Holder h : holders) {
      if ((h.mask() & bit) != 0 && (observed == null || !observed.contains(h.podKey()))) {
        pending += h.memoryMiB();
      }
    }
    return pending;
  }

  /** Pods dcgm-exporter sees on the node are accounted on the GPUs it sees them on. */
  private static List<PodRecord> trustObserved(Collection<PodRecord> pods, Map<Integer, Set<String>> observed) {
    Map<String, List<Integer>> seen = new HashMap<>();
    for (Map.Entry<Integer, Set<String>> e : observed.entrySet()) {
      for (String key : e.getValue()) {
        seen.computeIfAbsent(key, k -> new ArrayList<>()).add(e.getKey());
      }
    }
    List<PodRecord> out = new ArrayList<>(pods.size());
    for (PodRecord p : pods) {
      List<Integer> ids = seen.get(p.key());
      if (ids != null && !new HashSet<>(ids).equals(p.recordedIds() == null ? Set.of() : new HashSet<>(p.recordedIds()))) {
        ids.sort(null);
        out.add(p.withPlacement(p.nodeName(), List.copyOf(ids)));
      } else {
        out.add(p);
      }
    }
    return out;
  }

  private static int pickShared(int n, long whole, long shared, int[] milli, int want) {
    for (int g = 0; g < n; g++) {
      if ((shared & (1L << g)) != 0 && milli[g] + want <= 1000) {
        return g;
      }
    }
    for (int g = 0; g < n; g++) {
      if (((whole | shared) & (1L << g)) == 0) {
        return g;
      }
    }
    return -1;
  }

  private static void addMemory(long[] memory, long mask, long mib) {
    for (long m = mask; m != 0; m &= m - 1) {
      memory[Long.numberOfTrailingZeros(m)] += mib;
    }
  }

  private static List<String> holdersOf(List<Holder> holders, long mask) {
    List<String> out = new ArrayList<>();
    for (Holder h : holders) {
      if ((h.mask() & mask) != 0) {
        out.add(h.podKey());
      }
    }
    return out;
  }
}
