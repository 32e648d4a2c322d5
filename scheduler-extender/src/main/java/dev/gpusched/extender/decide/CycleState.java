package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.TopologyClass;
import dev.gpusched.topology.WholeGpuChoice;
import java.util.function.Function;

/**
 * One node judged for one pod (kube-scheduler's CycleState, per node): the pod's demand, the node's state, and what
 * several plugins would otherwise compute each on their own, computed once at the first need: the GPUs the pod may
 * take there, the GPUs bind would give it with their topology quality (one table lookup), the GPU a share would join.
 * Every filter and score gets it.
 *
 * <p>A pipeline call moves one cycle from node to node ({@link #at}); a caller outside a pipeline makes one with
 * {@link #of}. The node's place ({@link #layout}, {@link #position}, {@link #stamp}) lets plugins keep values derived
 * from the node state in a {@link NodeLocal}; a cycle made with {@link #of} has none, and plugins compute afresh. Not
 * thread-safe: one per thread.
 */
public final class CycleState {
  private final PodDemand demand;
  private Object[] podStates = new Object[4];
  private NodeGpuState node;
  private Object layout;
  private int position = -1;
  private int stamp;
  private boolean eligibleKnown;
  private long eligible;
  private boolean choiceKnown;
  private long chosen;
  private int quality;
  private int sharedGpu;

  /** A cycle of this pod, not yet at a node. */
  public CycleState(PodDemand demand) {
    this.demand = demand;
  }

  /** A cycle of the pod at a node that has no place in a snapshot: plugins keep nothing of it. */
  public static CycleState of(PodDemand demand, NodeGpuState node) {
    return new CycleState(demand).at(node, null, -1, 0);
  }

  /**
   * Moves the cycle to a node and forgets what it computed for the last one.
   *
   * @param layout what positions are numbered in (a snapshot's {@code index()}), or null
   * @param position the node's place in the layout, or -1 for none
   * @param stamp a number that changes whenever the node at that position gets a new state (or anything a plugin's
   *     inputs read of it, e.g. the CPU a {@link CpuView} reports), within one layout
   */
  public CycleState at(NodeGpuState node, Object layout, int position, int stamp) {
    this.node = node;
    this.layout = layout;
    this.position = position;
    this.stamp = stamp;
    this.eligibleKnown = false;
    this.choiceKnown = false;
    return this;
  }

  public PodDemand demand() {
    return demand;
  }

  public NodeGpuState node() {
    return node;
  }

  /** What {@link #position} numbers, or null for a node outside any layout. */
  public Object layout() {
    return layout;
  }

  /** The node's place in its {@link #layout}, or -1. */
  public int position() {
    return position;
  }

  /** Identifies the node's state at its {@link #position}. */
  public int stamp() {
    return stamp;
  }

  /** The node's free GPUs (for a whole-GPU pod) with at least the pod's GPU memory request free each. */
  public long eligibleGpus() {
    if (!eligibleKnown) {
      eligible = node.eligibleWholeMask(demand.memoryMiB());
      eligibleKnown = true;
    }
    return eligible;
  }

  /**
   * The GPUs bind gives the pod here ({@link GpuChooser}): for whole GPUs {@link WholeGpuChoice}'s set of the
   * {@link #eligibleGpus} (the rule a gang member's planned place follows too); for a share its {@link #sharedGpu}. 0
   * when the node cannot host the pod's GPUs.
   */
  public long chosenGpus() {
    choose();
    return chosen;
  }

  /**
   * The topology class's quality (0..100) of the chosen set, -1 when no set of the pod's size meets its interconnect
   * policy among the eligible GPUs. Only for a whole-GPU pod on a node with a topology class (else 0).
   */
  public int topologyQuality() {
    choose();
    return quality;
  }

  /** The GPU a share goes to ({@link SharedGpuChoice}), or -1 (none has room, or the pod takes whole GPUs). */
  public int sharedGpu() {
    choose();
    return sharedGpu;
  }

  private void choose() {
    if (choiceKnown) {
      return;
    }
    choiceKnown = true;
    chosen = 0;
    quality = 0;
    sharedGpu = -1;
    if (demand.isShared()) {
      sharedGpu = SharedGpuChoice.best(demand, node);
      chosen = sharedGpu < 0 ? 0 : 1L << sharedGpu;
      return;
    }
    long free = eligibleGpus();
    int k = demand.gpus();
    TopologyClass topology = node.topology();
    if (Long.bitCount(free) < k) {
      quality = -1;
    } else if (topology == null) {
      chosen = WholeGpuChoice.lowest(free, k);
    } else if (topology.tabled()) { // the set WholeGpuChoice gives, and its quality, from one table read
      int lookup = topology.lookup(free, k, demand.intraNode());
      quality = TopologyClass.qualityOf(lookup);
      chosen = TopologyClass.chosenOf(lookup);
    } else {
      quality = topology.quality(free, k, demand.intraNode());
      chosen = quality < 0 ? 0 : WholeGpuChoice.choose(topology, free, k, demand.intraNode());
    }
  }

  /**
   * State a plugin computes once per pod and keeps for the call (kube-scheduler's PreFilter state): the value under
   * {@code key}, computed from the demand at the first need.
   */
  @SuppressWarnings("unchecked")
  public <T> T podState(PodKey<T> key) {
    Object[] states = podStates;
    if (key.index >= states.length) {
      states = java.util.Arrays.copyOf(states, key.index + 4);
      podStates = states;
    }
    Object value = states[key.index];
    if (value == null) {
      value = key.compute.apply(demand);
      states[key.index] = value;
    }
    return (T) value;
  }

  /** A plugin's key for {@link #podState}: make one per kind of state, as a constant. */
  public static final class PodKey<T> {
    private static final java.util.concurrent.atomic.AtomicInteger KEYS = new java.util.concurrent.atomic.AtomicInteger();

    private final int index = KEYS.getAndIncrement();
    private final Function<PodDemand, T> compute;

    /** @param compute the state for a pod; must not return null */
    public PodKey(Function<PodDemand, T> compute) {
      this.compute = compute;
    }
  }
}
