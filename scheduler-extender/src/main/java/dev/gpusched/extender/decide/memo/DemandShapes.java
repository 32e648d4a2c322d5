package dev.gpusched.extender.decide.memo;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Numbers the distinct shapes of demand (everything the plugins read of a pod, not its name or uid), so replicas of one
 * workload share memoised verdicts. Within one epoch a number is never reused: the table forgets all shapes when it
 * holds {@value #MAX_SHAPES} (a returning shape then gets a new number, and its old memo entries simply stop matching),
 * and a new epoch, restarting at 1, begins when numbers would outgrow {@link #MAX_ID}.
 */
final class DemandShapes {
  static final int MAX_SHAPES = 10_000;
  /** Shape numbers fit the 24 bits a memo {@link #tag} keeps for them. */
  static final int MAX_ID = (1 << 24) - 1;

  private record Shape(int gpus, int milli, long memoryMiB, IntraNodePolicy intraNode, Placement placement,
      List<String> allowedModels, long cpuMilli) {}

  private record Numbering(int epoch, ConcurrentHashMap<Shape, Integer> ids, AtomicInteger last) {}

  private final int maxId;
  /** False: the pod's CPU request is not part of the shape (numbers GPU demands, for {@link GpuRows}). */
  private final boolean withCpu;
  /** False: the pod's GPU memory request is not part of the shape (its verdicts are kept per {@link MemoryFitRange} range). */
  private final boolean withMemory;
  private volatile Numbering numbering = new Numbering(0, new ConcurrentHashMap<>(), new AtomicInteger());

  /**
   * @param maxId the largest number handed out in one epoch (tests use a small one)
   * @param withCpu whether demands that differ only in their CPU request are distinct shapes
   * @param withMemory whether demands that differ only in their GPU memory request are distinct shapes
   */
  DemandShapes(int maxId, boolean withCpu, boolean withMemory) {
    this.maxId = maxId;
    this.withCpu = withCpu;
    this.withMemory = withMemory;
  }

  /** Set in an {@link #idOf} answer when the shape was not numbered before the call. */
  private static final long FIRST_SIGHTING = 1L << 62;

  /**
   * The shape's id: its {@link #number} (1..maxId), its {@link #epoch}, and whether this call is its
   * {@link #firstSighting}.
   */
  long idOf(PodDemand d) {
    Shape shape = new Shape(d.gpus(), d.milli(), withMemory ? d.memoryMiB() : 0, d.intraNode(), d.placement(),
        d.allowedModels(), withCpu ? d.cpuMilli() : 0);
    while (true) {
      Numbering n = numbering;
      Integer id = n.ids().get(shape);
      long first = id == null ? FIRST_SIGHTING : 0;
      if (id == null) {
        if (n.ids().size() >= MAX_SHAPES) {
          n.ids().clear();
        }
        id = n.ids().computeIfAbsent(shape, s -> n.last().incrementAndGet());
      }
      if (id <= maxId) {
        return first | ((long) n.epoch() << 32) | id;
      }
      synchronized (this) { // numbers outgrew maxId: a new epoch numbers afresh
        if (numbering == n) {
          numbering = new Numbering(n.epoch() + 1, new ConcurrentHashMap<>(), new AtomicInteger());
        }
      }
    }
  }

  /** The shape's number within its epoch, 1..maxId. */
  static int number(long id) {
    return (int) id;
  }

  static int epoch(long id) {
    return (int) (id >>> 32) & 0x3FFF_FFFF;
  }

  /**
   * True when no earlier call numbered the shape (in this epoch, since the table was last forgotten); concurrent first
   * calls may all see it.
   */
  static boolean firstSighting(long id) {
    return (id & FIRST_SIGHTING) != 0;
  }

  /**
   * A memo entry's identity: the node state's stamp (high 32 bits) and a shape number (the next 24; numbers start at 1,
   * so a tag is never 0), leaving the low byte for a {@code Verdict}.
   */
  static long tag(int stamp, int shapeNumber) {
    return ((long) stamp << 32) | ((long) shapeNumber << 8);
  }
}
