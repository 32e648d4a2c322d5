package dev.gpusched.extender.decide.memo;

/**
 * A closed range of values {@code [from, to]} packed in one long (from in the high 32 bits, to in the low 32): the
 * memo's one range codec, for the GPU memory requests and the CPU requests a row serves. Ends beyond {@code int} are
 * pulled in, never pushed out, so a packed range holds no value the range it stands for does not (a value it lost is
 * only computed again).
 */
final class Range {
  private Range() {}

  /** The range that holds nothing. */
  static final long EMPTY = pack(1, 0);
  /** The widest range: every {@code int}. */
  static final long ALL = pack(Integer.MIN_VALUE, Integer.MAX_VALUE);

  /** {@code [from, to]}, pulled in to {@code int}; {@link #EMPTY} when nothing of it is left. */
  static long of(long from, long to) {
    if (from > to || from > Integer.MAX_VALUE || to < Integer.MIN_VALUE) {
      return EMPTY;
    }
    return pack((int) Math.max(from, Integer.MIN_VALUE), (int) Math.min(to, Integer.MAX_VALUE));
  }

  /** True when the range holds {@code value}. */
  static boolean holds(long range, long value) {
    return value >= from(range) && value <= to(range);
  }

  static int from(long range) {
    return (int) (range >> 32);
  }

  static int to(long range) {
    return (int) range;
  }

  private static long pack(int from, int to) {
    return (long) from << 32 | (to & 0xFFFFFFFFL);
  }
}
