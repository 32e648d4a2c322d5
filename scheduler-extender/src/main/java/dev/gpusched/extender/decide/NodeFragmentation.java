package dev.gpusched.extender.decide;

import dev.gpusched.extender.state.NodeGpuState;

/**
 * A node's {@link Fragmentation} against one profile as it is, and what a placement changes of it: computed once per
 * node state and profile ({@link FragmentationScore} keeps it in a {@link NodeLocal}), so that scoring a pod reads a
 * number or sweeps the profile's classes once, without touching the node's GPUs. Also the node's CPU figures as the
 * score's {@link CpuView} gives them.
 */
final class NodeFragmentation {
  /** Profiles with more demand classes keep no {@link #tallies} (their size per node would grow with the classes). */
  private static final int MAX_TALLIED_CLASSES = 64;

  final WorkloadProfile profile;
  /** {@link #profile} as the node's GPU product sees it ({@link WorkloadProfile#onProduct}): what the sums read. */
  private final WorkloadProfile view;
  /** {@link Fragmentation#expected} of the node as it is. */
  final double expected;
  /** The node's free milli-GPU. */
  final long freeMilli;
  /** {@link #expected} after {@code k} free whole GPUs are taken, by k (0 .. the node's free whole GPUs). */
  final double[] afterWhole;
  /**
   * {@link FragmentationScore#cpuRanges} of a binpacking pod of {@code k} free whole GPUs, by k, made at the first
   * need: all they read of such a pod is k (each GPU taken was 1000 free), and of the node this state. Filled racily;
   * every writer writes the same value.
   */
  final CpuRanges[] wholeRanges;
  /**
   * Per demand class: the GPUs it fits on (bits 0-7) and the free milli-GPU on GPUs too small for it (above), as
   * {@link Fragmentation#tallies} counts them; null above {@link #MAX_TALLIED_CLASSES}.
   */
  private final long[] tallies;
  /** The node's CPU left ({@link CpuView#nodeCpuLeftMilli}) and the free milli-GPU it cannot feed ({@link StrandedGpu}). */
  final long cpuLeft;
  final double strandedNow;

  /** The figures of the node against {@code profile}, with the node's CPU left as {@code cpu} reports it. */
  NodeFragmentation(WorkloadProfile profile, NodeGpuState node, CpuView cpu) {
    this.profile = profile;
    this.view = profile.onProduct(node.productLowerCase());
    this.freeMilli = node.leftMilliSum();
    this.expected = Fragmentation.sweep(view, node, 0, -1, 0, 0);
    int free = Long.bitCount(node.freeWholeMaskIgnoringReservations());
    this.tallies = profile.size() <= MAX_TALLIED_CLASSES ? new long[profile.size()] : null;
    this.afterWhole = new double[free + 1];
    this.wholeRanges = new CpuRanges[free + 1];
    if (tallies != null) {
      Fragmentation.tallies(view, node, tallies);
    }
    afterWhole[0] = expected;
    for (int k = 1; k <= free; k++) {
      afterWhole[k] = Fragmentation.sweep(view, node, k, -1, 0, 0);
    }
    this.cpuLeft = cpu.nodeCpuLeftMilli(node);
    this.strandedNow = StrandedGpu.stranded(profile, freeMilli, cpuLeft);
  }

  /**
   * {@link Fragmentation#expected} after the placement ({@code taken} whole GPUs, or {@code milli} more on
   * {@code sharedGpu}; 0 and -1 for none), to the bit: whole GPUs taken were free (1000 each, enough for every class:
   * classes ask at most 1000), so every class fits on that many fewer GPUs and finds nothing more too small, which
   * {@link #afterWhole} holds; a share moves one GPU from {@code before} to {@code after} free milli-GPU, which
   * corrects each class's {@link #tallies}. A placement on GPUs that were not free whole takes the general path.
   */
  double expectedAfter(NodeGpuState node, long taken, int sharedGpu, int milli) {
    if (sharedGpu >= 0) {
      int before = Fragmentation.left(node, sharedGpu, 0, -1, 0);
      int after = Fragmentation.left(node, sharedGpu, 0, sharedGpu, milli);
      return tallies != null ? shared(before, after) : Fragmentation.sweep(view, node, 0, sharedGpu, before, after);
    }
    if ((taken & ~node.freeWholeMaskIgnoringReservations()) != 0) {
      return Fragmentation.expected(profile, node, taken, sharedGpu, milli);
    }
    return afterWhole[Long.bitCount(taken)];
  }

  /** The sweep for a share, from the {@link #tallies}. */
  private double shared(int before, int after) {
    long total = freeMilli + after - before;
    double sum = 0;
    for (int k = 0; k < tallies.length; k++) {
      sum += Fragmentation.shareTerm(view, k, (int) (tallies[k] & 0xFF), tallies[k] >>> 8, total, before, after);
    }
    return sum;
  }
}
