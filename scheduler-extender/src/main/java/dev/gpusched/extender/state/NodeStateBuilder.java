package dev.gpusched.extender.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

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
        conflicts.add(p.key() + " records " + Long.bitCount(mask) + " GPU(s) (" + ids(mask) + ") but requests " + expected);
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
          conflicts.add("GPU(s) " + ids(clash) + " double-booked: " + p.key() + " and " + String.join(", ", holdersOf(holders, clash)));
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
    return new NodeGpuState(info, whole, shared, unusable, milli, memory, holders, conflicts);
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

  /** "0,3,4" for bits 0, 3 and 4. */
  public static String ids(long mask) {
    StringBuilder sb = new StringBuilder();
    for (long m = mask; m != 0; m &= m - 1) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(Long.numberOfTrailingZeros(m));
    }
    return sb.toString();
  }
}
