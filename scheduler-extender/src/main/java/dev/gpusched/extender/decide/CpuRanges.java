package dev.gpusched.extender.decide;

/**
 * A value that depends on the pod's CPU request (milli-CPU) only outside two flat stretches: {@code low} for every
 * request from 0 to {@code lowTo}, {@code high} for every request from {@code highFrom} up; in between it must be
 * computed. A score that reads the CPU request says so of its score ({@link ScorePlugin#cpuRanges}), and the pipeline
 * of its verdict ({@link Plugins#verdictByCpu}), so that a pod which differs from an earlier one only in CPU is usually
 * answered without running the plugins.
 *
 * @param lowTo the last request of the low stretch; -1 when there is none
 * @param highFrom the first request of the high stretch; {@link #NO_HIGH} when there is none
 */
public record CpuRanges(long lowTo, int low, long highFrom, int high) {
  /** {@link #highFrom} of a value without a high stretch. */
  public static final long NO_HIGH = Long.MAX_VALUE;
  /** {@link #valueFor} a request between the stretches. */
  public static final int BETWEEN = -1;
  /** No flat stretch: every request must be computed. */
  public static final CpuRanges NONE = new CpuRanges(-1, 0, NO_HIGH, 0);

  /** The same value for every request. */
  public static CpuRanges flat(int value) {
    return new CpuRanges(Long.MAX_VALUE, value, NO_HIGH, value);
  }

  /** The value for a request of {@code cpuMilli}, or {@link #BETWEEN}. */
  public int valueFor(long cpuMilli) {
    if (cpuMilli <= lowTo) {
      return low;
    }
    return cpuMilli >= highFrom ? high : BETWEEN;
  }
}
