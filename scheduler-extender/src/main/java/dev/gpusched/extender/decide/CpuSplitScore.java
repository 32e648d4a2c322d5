package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;

/**
 * A score that reads the pod's CPU request only in a cheap last step: {@link #gpuPart} computes everything else,
 * {@link #withCpu} finishes the score from it and the pod's {@link #cpuKey}. {@link DecisionPipeline} memoises the GPU
 * part per node state and GPU demand (the demand without its CPU request), so a new workload whose GPU demand was seen
 * before costs only the last step per node, and often not even that: the GPU part also names two ranges of CPU keys over
 * which the score is one value (a node with CPU to spare scores a pod the same whatever its CPU request), and the
 * pipeline keeps its verdict for each.
 *
 * <p>For every demand and node, with {@code p} filled by {@code gpuPart(d, node, p, 0)} and {@code k = cpuKey(d)}:
 * {@code withCpu(d, node, k, p[0], p[1])} must equal {@code score(d, node)} exactly, and so must {@link #lowScore} when
 * {@code lowFrom(p[2]) <= k <= lowTo(p[2])} and {@link #highScore} when {@link #hasHigh} and {@code k >= highFrom(p[3])};
 * {@code gpuPart} must give the same longs for demands that differ only in {@link PodDemand#cpuMilli}. (It reads the CPU
 * request, so {@link #readsPodCpu} stays true: the pipeline tells a split score by its type.)
 */
public interface CpuSplitScore extends ScorePlugin {
  /** Longs {@link #gpuPart} writes: two of the plugin's own, the low range, the high range with both scores. */
  int PART_LONGS = 4;
  /** {@link #highScore} of a part without a high range. */
  int NO_HIGH = 0xFF;
  /** The largest {@link #highFrom}. */
  long MAX_HIGH_FROM = (1L << 47) - 1;

  /** Writes the part of the score that does not read the pod's CPU request into {@code out[at .. at + 3]}. */
  void gpuPart(PodDemand demand, NodeGpuState node, long[] out, int at);

  /** What {@link #withCpu} reads of the pod: one number per demand. */
  long cpuKey(PodDemand demand);

  /**
   * The score from {@link #gpuPart}'s first two longs and the pod's {@link #cpuKey}; may read {@code node} but should not
   * need to (the point is not to touch it).
   */
  int withCpu(PodDemand demand, NodeGpuState node, long cpuKey, long first, long second);

  /**
   * The score for {@code cpuKey} from the part at {@code part[at .. at + 3]}: its low range's score when the key is in
   * it, its high range's when there, else {@link #withCpu} (the contract above says all three agree).
   */
  default int scoreFromPart(PodDemand demand, NodeGpuState node, long cpuKey, long[] part, int at) {
    long low = part[at + 2];
    long scores = part[at + 3];
    if (cpuKey >= lowFrom(low) && cpuKey <= lowTo(low)) {
      return lowScore(scores);
    }
    if (hasHigh(scores) && cpuKey >= highFrom(scores)) {
      return highScore(scores);
    }
    return withCpu(demand, node, cpuKey, part[at], part[at + 1]);
  }

  /** The third long: keys {@code from .. to} (empty when from > to) all score {@code lowScore}. */
  static long lowRange(int from, int to) {
    return (long) from << 32 | (to & 0xFFFFFFFFL);
  }

  static int lowFrom(long lowRange) {
    return (int) (lowRange >> 32);
  }

  static int lowTo(long lowRange) {
    return (int) lowRange;
  }

  /**
   * The fourth long: keys from {@code from} (0 .. {@link #MAX_HIGH_FROM}) up all score {@code highScore}
   * ({@link #NO_HIGH}: no such range); and the low range's score. Scores are 0..100.
   */
  static long scores(long highFrom, int lowScore, int highScore) {
    return highFrom << 16 | (long) lowScore << 8 | highScore;
  }

  static long highFrom(long scores) {
    return scores >>> 16;
  }

  static int lowScore(long scores) {
    return (int) (scores >>> 8) & 0xFF;
  }

  static int highScore(long scores) {
    return (int) scores & 0xFF;
  }

  static boolean hasHigh(long scores) {
    return highScore(scores) != NO_HIGH;
  }
}
