package dev.gpusched.extender.model;

import java.util.ArrayList;
import java.util.List;

/** The text of {@code gpusched.dev/gpu-ids}: GPU indices on the bound node, comma-separated ({@code "2,3"}). */
public final class GpuIds {
  /** Bit masks are 64 bits wide; no GPU server has more GPUs. */
  public static final int MAX_GPUS_PER_NODE = 64;

  private GpuIds() {}

  /**
   * Parses {@code "2,3"} into its indices, in written order.
   *
   * @throws IllegalArgumentException naming the annotation, the value and what would be valid
   */
  public static List<Integer> parse(String raw) {
    List<Integer> ids = new ArrayList<>();
    String trimmed = raw.trim();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException(Annotations.GPU_IDS + " is empty: expected comma-separated GPU indices like \"2,3\"");
    }
    for (String part : trimmed.split(",", -1)) {
      String p = part.trim();
      int id;
      try {
        id = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(Annotations.GPU_IDS + "=\"" + PodDemandParser.abbreviate(raw)
            + "\": \"" + PodDemandParser.abbreviate(p) + "\" is not a GPU index; expected comma-separated indices like \"2,3\"");
      }
      if (id < 0 || id >= MAX_GPUS_PER_NODE || ids.contains(id)) {
        throw new IllegalArgumentException(Annotations.GPU_IDS + "=\"" + PodDemandParser.abbreviate(raw)
            + "\": index " + id + " is out of range or repeated; expected distinct indices 0.." + (MAX_GPUS_PER_NODE - 1));
      }
      ids.add(id);
    }
    return List.copyOf(ids);
  }

  /** "0,3,4" for bits 0, 3 and 4. */
  public static String format(long mask) {
    StringBuilder sb = new StringBuilder();
    for (long m = mask; m != 0; m &= m - 1) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(Long.numberOfTrailingZeros(m));
    }
    return sb.toString();
  }

  /** The indices of a mask's bits, ascending. */
  public static List<Integer> of(long mask) {
    List<Integer> ids = new ArrayList<>(Long.bitCount(mask));
    for (long m = mask; m != 0; m &= m - 1) {
      ids.add(Long.numberOfTrailingZeros(m));
    }
    return List.copyOf(ids);
  }
}
