package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * The fragmentation measure (after FGD, Weng et al., USENIX ATC '23): a node's expected unusable milli-GPU against the
 * expected mix of demands ({@link WorkloadProfile}). For one demand class, the fragment is the free milli-GPU that class
 * cannot use on the node: all of it when the node cannot host the class (fewer GPUs with the class's milli-GPU left
 * than the class asks for), else the free rest of the GPUs too small for it (a partly shared GPU is a fragment for a
 * whole-GPU pod). The expectation weights each class's fragment by its probability among the pods that may use the
 * node's GPU model ({@link WorkloadProfile#onProduct}): a node's fragments matter only to pods that can run there.
 *
 * <p>{@link #expected} is the definition; {@link #sweep} computes it from the node's free amounts sorted once per node
 * state ({@link NodeGpuState#leftMilliAscending}), correcting the counts for a placement instead of sorting again: the
 * same integers, multiplied and added in the same order, so the same double to the bit.
 */
public final class Fragmentation {
  private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

  private Fragmentation() {}

  /**
   * Expected fragmented milli-GPU of the node against the profile, imagining {@code taken} GPUs held whole and
   * {@code milli} more on {@code sharedGpu} (pass 0, -1, 0 for the node as it is). The profile is seen through the
   * node's GPU product here.
   */
  public static double expected(WorkloadProfile profile, NodeGpuState node, long taken, int sharedGpu, int milli) {
    WorkloadProfile view = profile.onProduct(node.productLowerCase());
    int n = node.gpuCount();
    int[] lefts = SCRATCH.get();
    if (lefts.length < n) {
      lefts = new int[n];
      SCRATCH.set(lefts);
    }
    long total = 0;
    for (int g = 0; g < n; g++) {
      int left = left(node, g, taken, sharedGpu, milli);
      total += left;
      // insertion sort, ascending: n is at most 64 and usually 8
      int i = g - 1;
      while (i >= 0 && lefts[i] > left) {
        lefts[i + 1] = lefts[i];
        i--;
      }
      lefts[i + 1] = left;
    }
    return sweep(view, lefts, n, total, 0, -1, 0, 0);
  }

  /**
   * {@link #expected} from the node's presorted free amounts: for the node as it is, after {@code wholeTaken} of its
   * free whole GPUs are taken (each 1000 free before, 0 after), or after a share moves {@code sharedGpu} from
   * {@code before} to {@code after} free milli-GPU. {@code profile} is the node's product view
   * ({@link WorkloadProfile#onProduct}).
   */
  static double sweep(WorkloadProfile profile, NodeGpuState node, int wholeTaken, int sharedGpu, int before,
      int after) {
    int[] lefts = node.leftMilliAscending();
    long total = node.leftMilliSum() - 1000L * wholeTaken + (sharedGpu >= 0 ? after - before : 0);
    return sweep(profile, lefts, lefts.length, total, wholeTaken, sharedGpu, before, after);
  }

  /**
   * The sweep itself, over the first {@code n} free amounts in ascending order: classes ascend by milli-GPU, so one pass
   * finds, per class, the GPUs too small for it; {@code wholeTaken} and the share's move correct the counts.
   */
  private static double sweep(WorkloadProfile profile, int[] lefts, int n, long total, int wholeTaken, int sharedGpu,
      int before, int after) {
    double sum = 0;
    int p = 0;
    long tooSmall = 0;
    for (int k = 0; k < profile.size(); k++) {
      int want = profile.milli(k);
      while (p < n && lefts[p] < want) {
        tooSmall += lefts[p];
        p++;
      }
      int fit = n - p - wholeTaken;
      sum += sharedGpu >= 0 ? shareTerm(profile, k, fit, tooSmall, total, before, after)
          : profile.probability(k) * (fit >= profile.gpus(k) ? tooSmall : total);
    }
    return sum;
  }

  /**
   * Class {@code k}'s term of the expected fragmentation when a share moves one GPU from {@code before} to
   * {@code after} free milli-GPU, from the class's counts without that move: GPUs that fit it ({@code fit}) and free
   * milli-GPU too small for it ({@code small}); {@code total} is the node's free milli-GPU after the move.
   */
  static double shareTerm(WorkloadProfile profile, int k, int fit, long small, long total, int before, int after) {
    int want = profile.milli(k);
    if (before >= want) {
      fit--;
    } else {
      small -= before;
    }
    if (after >= want) {
      fit++;
    } else {
      small += after;
    }
    return profile.probability(k) * (fit >= profile.gpus(k) ? small : total);
  }

  /** Per class, the GPUs it fits on (bits 0-7) and the free milli-GPU too small for it (above), as the sweep counts. */
  static void tallies(WorkloadProfile profile, NodeGpuState node, long[] out) {
    int[] lefts = node.leftMilliAscending();
    int n = lefts.length;
    int p = 0;
    long tooSmall = 0;
    for (int k = 0; k < out.length; k++) {
      int want = profile.milli(k);
      while (p < n && lefts[p] < want) {
        tooSmall += lefts[p];
        p++;
      }
      out[k] = tooSmall << 8 | (n - p);
    }
  }

  /** Free milli-GPU of one GPU: 1000 when free, 1000 - used when shared, 0 when held whole or unusable. */
  static int left(NodeGpuState node, int g, long taken, int sharedGpu, int milli) {
    long bit = 1L << g;
    if (((node.wholeMask() | node.unusableMask() | taken) & bit) != 0) {
      return 0;
    }
    int used = (node.sharedMask() & bit) != 0 ? node.milliUsed(g) : 0;
    if (g == sharedGpu) {
      used += milli;
    }
    return Math.max(0, 1000 - used);
  }

  /** Free milli-GPU after the placement: only the placement's GPUs change, so no loop over the node's GPUs. */
  static long freeAfter(NodeGpuState node, long freeNow, long taken, int sharedGpu, int milli) {
    long freeAfter = freeNow;
    for (long m = taken; m != 0; m &= m - 1) {
      freeAfter -= left(node, Long.numberOfTrailingZeros(m), 0, -1, 0);
    }
    if (sharedGpu >= 0) {
      freeAfter -= left(node, sharedGpu, 0, -1, 0) - left(node, sharedGpu, 0, sharedGpu, milli);
    }
    return freeAfter;
  }
}
