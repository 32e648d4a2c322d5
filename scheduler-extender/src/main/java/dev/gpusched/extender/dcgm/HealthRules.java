package dev.gpusched.extender.dcgm;

import java.util.BitSet;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Which XID errors make a GPU unschedulable. Pure and immutable.
 *
 * <p>DCGM_FI_DEV_XID_ERRORS holds the last XID a GPU reported; while it is in the fatal set the GPU is excluded, and
 * it is admitted again once the value clears (dcgm-exporter reports 0 after a reset). The default set is the XIDs
 * NVIDIA documents as needing a GPU reset or node drain: 48, 63, 64, 74, 79, 92, 94, 95.
 */
public final class HealthRules {

  /** The default fatal XIDs, as the {@code --fatal-xids} default value. */
  public static final String DEFAULT_FATAL_XIDS = "48,63,64,74,79,92,94,95";

  /** Largest XID accepted in a fatal set (NVIDIA's catalogue is well below this). */
  public static final int MAX_XID = 1023;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(13, "graphics engine exception"),
      Map.entry(31, "GPU memory page fault"),
      Map.entry(43, "GPU stopped processing"),
      Map.entry(45, "preemptive cleanup, due to previous errors"),
      Map.entry(48, "double-bit ECC error"),
      Map.entry(61, "internal micro-controller breakpoint/warning"),
      Map.entry(62, "internal micro-controller halt"),
      Map.entry(63, "ECC page retirement or row remapping recording event"),
      Map.entry(64, "ECC page retirement or row remapper recording failure"),
      Map.entry(74, "NVLink error"),
      Map.entry(79, "GPU has fallen off the bus"),
      Map.entry(92, "high single-bit ECC error rate"),
      Map.entry(94, "contained ECC error"),
      Map.entry(95, "uncontained ECC error"),
      Map.entry(119, "GSP RPC timeout"),
      Map.entry(120, "GSP error"));

  /** The default rules: {@link #DEFAULT_FATAL_XIDS}. */
  public static final HealthRules DEFAULT = parse(DEFAULT_FATAL_XIDS);

  private final BitSet fatal;

  private HealthRules(BitSet fatal) {
    this.fatal = fatal;
  }

  /**
   * Parses the {@code --fatal-xids} value: comma-separated XID numbers, e.g. "48,63,79". Blank means no XID is fatal.
   *
   * @throws IllegalArgumentException naming the entry that is not an integer in 1..{@value #MAX_XID}
   */
  public static HealthRules parse(String spec) {
    BitSet set = new BitSet();
    if (spec != null) {
      for (String raw : spec.split(",")) {
        String entry = raw.trim();
        if (entry.isEmpty()) {
          continue;
        }
        int xid;
        try {
          xid = Integer.parseInt(entry);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("fatal XIDs: '" + entry + "' is not an integer; expected a list such as "
              + DEFAULT_FATAL_XIDS);
        }
        if (xid < 1 || xid > MAX_XID) {
          throw new IllegalArgumentException("fatal XIDs: " + xid + " is out of range; XIDs are 1.." + MAX_XID);
        }
        set.set(xid);
      }
    }
    return new HealthRules(set);
  }

  /** True when a GPU whose last XID is {@code xid} must not get new pods. 0 (no XID) is never fatal. */
  public boolean isFatal(int xid) {
    return xid > 0 && xid <= MAX_XID && fatal.get(xid);
  }

  /** True when the sample's last XID is fatal. */
  public boolean excludes(GpuSample sample) {
    return isFatal(sample.lastXid());
  }

  /** Why the GPU is excluded, e.g. "GPU 3 reported XID 79 (GPU has fallen off the bus); excluded until it clears". */
  public String reason(int gpu, int xid) {
    return "GPU " + gpu + " reported XID " + xid + " (" + xidName(xid) + "); excluded until it clears";
  }

  /** NVIDIA's name for an XID, or "XID not in gpusched's catalogue" when unknown. */
  public static String xidName(int xid) {
    String name = NAMES.get(xid);
    return name != null ? name : "XID not in gpusched's catalogue";
  }

  /** The fatal set as the {@code --fatal-xids} text, ascending. */
  public String fatalXids() {
    StringJoiner joiner = new StringJoiner(",");
    for (int x = fatal.nextSetBit(0); x >= 0; x = fatal.nextSetBit(x + 1)) {
      joiner.add(Integer.toString(x));
    }
    return joiner.toString();
  }

  @Override
  public String toString() {
    return "HealthRules{fatal=" + fatalXids() + "}";
  }
}
