package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.NodeGpuState;
import dev.gpusched.topology.TopologyClass;

/**
 * The standard plugins ({@link DecisionPipeline#standardFilters()}, and {@link TopologyScore}, {@link PackingScore},
 * {@link MemoryPressureScore} beside {@link FragmentationScore} as the split score) run on one node in one pass, for a
 * GPU demand no memo holds. Run one by one, they ask the node for the pod's eligible whole GPUs four or five times and
 * the topology class for the best set three times (quality twice, the set once), each through an interface call; here
 * the eligible mask is computed once and one {@link TopologyClass#lookup} gives both the set and its quality.
 *
 * <p>The verdict is exactly the plugins': the same filter fails first, the same rank, the same split-score part
 * ({@code FusedStandardPluginsTest} compares the two on many generated nodes and demands). Serves pods that take whole
 * GPUs or a share ({@link #serves}); the pipeline runs the plugins for any other.
 */
final class FusedStandardPlugins {
  /** Positions of the standard filters, as {@link DecisionPipeline#standardFilters()} orders them. */
  static final int MODEL_FILTER = 0;
  static final int COUNT_FILTER = 1;
  static final int TOPOLOGY_FILTER = 2;

  /** A pipeline whose plugins are not the standard set: {@link #applies} is false. */
  private static final FusedStandardPlugins NOT_STANDARD =
      new FusedStandardPlugins(null, null, false, new PackingScore(), new MemoryPressureScore(), 0, 0, 0);

  private final GpuModelFit model;
  private final FragmentationScore fragmentation;
  private final PackingScore packing;
  private final MemoryPressureScore memory;
  private final long topologyWeight;
  private final long packingWeight;
  private final long memoryWeight;
  /** Whether a {@link TopologyScore} is among the scorers: only then does a tiered pod's top tier count. */
  private final boolean topologyScored;

  private FusedStandardPlugins(GpuModelFit model, FragmentationScore fragmentation, boolean topologyScored,
      PackingScore packing, MemoryPressureScore memory, long topologyWeight, long packingWeight, long memoryWeight) {
    this.model = model;
    this.fragmentation = fragmentation;
    this.topologyScored = topologyScored;
    this.packing = packing;
    this.memory = memory;
    this.topologyWeight = topologyWeight;
    this.packingWeight = packingWeight;
    this.memoryWeight = memoryWeight;
  }

  /**
   * The fused pass for these plugins, or one that does not {@link #applies apply}: it applies when the filters are the
   * three standard ones in their order, the split score ({@code scorers[splitScorer]}) is a {@link FragmentationScore},
   * every other scorer is a {@link TopologyScore}, {@link PackingScore} or {@link MemoryPressureScore} (each at most
   * once) and no weight is negative (so a rank is never negative and a negative result can name a filter).
   */
  static FusedStandardPlugins of(FilterPlugin[] filters, ScorePlugin[] scorers, int[] weights, int splitScorer) {
    if (filters.length != 3 || !(filters[MODEL_FILTER] instanceof GpuModelFit model)
        || !(filters[COUNT_FILTER] instanceof GpuCountFit) || !(filters[TOPOLOGY_FILTER] instanceof IntraNodeTopologyFit)
        || splitScorer < 0 || !(scorers[splitScorer] instanceof FragmentationScore fragmentation)) {
      return NOT_STANDARD;
    }
    TopologyScore topology = null;
    PackingScore packing = null;
    MemoryPressureScore memory = null;
    long topologyWeight = 0;
    long packingWeight = 0;
    long memoryWeight = 0;
    for (int s = 0; s < scorers.length; s++) {
      if (weights[s] < 0) {
        return NOT_STANDARD;
      }
      if (s == splitScorer) {
        continue;
      }
      if (scorers[s] instanceof TopologyScore t && topology == null) {
        topology = t;
        topologyWeight = weights[s];
      } else if (scorers[s] instanceof PackingScore p && packing == null) {
        packing = p;
        packingWeight = weights[s];
      } else if (scorers[s] instanceof MemoryPressureScore m && memory == null) {
        memory = m;
        memoryWeight = weights[s];
      } else {
        return NOT_STANDARD;
      }
    }
    return new FusedStandardPlugins(model, fragmentation, topology != null,
        packing != null ? packing : new PackingScore(), memory != null ? memory : new MemoryPressureScore(),
        topologyWeight, packingWeight, memoryWeight);
  }

  /** True when the pipeline's plugins are the standard set, so {@link #row} may stand in for them. */
  boolean applies() {
    return model != null;
  }

  /** The model filter's verdicts by product for one pod and thread, as {@link #row} reads them. */
  ProductVerdicts productVerdicts(PodDemand demand) {
    return new ProductVerdicts(model, demand);
  }

  /** True for a pod of whole GPUs or a share: the demands {@link #row} computes. */
  static boolean serves(PodDemand demand) {
    return demand.isShared() || demand.gpus() > 0;
  }

  /**
   * The node's verdict for a demand it {@link #serves}: {@code -1 - f} when filter {@code f} rejects the node; else the
   * rank the other scorers give it (their weighted sum, plus {@link DecisionPipeline#TOP_TIER_RANK} for a
   * {@code tiered} pod in the top tier), never negative, with the split score's part written into
   * {@code part[0..3]} as {@link FragmentationScore#gpuPart} writes it (without {@code ranges}, perhaps with its ranges
   * left empty: enough to finish one CPU key). {@code products} must be this pod's.
   */
  long row(PodDemand demand, NodeGpuState node, boolean tiered, boolean ranges, long[] part, ProductVerdicts products) {
    if (!products.passes(node)) {
      return -1 - MODEL_FILTER;
    }
    if (!node.offersGpus()) {
      return -1 - COUNT_FILTER;
    }
    long taken = 0;
    int sharedGpu = -1;
    int topologyScore = TopologyScore.SHARED;
    if (demand.isShared()) {
      sharedGpu = SharedGpuChoice.best(demand, node);
      if (sharedGpu < 0) {
        return -1 - COUNT_FILTER;
      }
    } else {
      int k = demand.gpus();
      long eligible = node.eligibleWholeMask(demand.memoryMiB());
      if (Long.bitCount(eligible) < k) {
        return -1 - COUNT_FILTER;
      }
      TopologyClass topology = node.topology();
      if (topology == null) {
        taken = GpuChooser.lowest(eligible, k);
      } else {
        int quality;
        if (topology.tabled()) {
          int lookup = topology.lookup(eligible, k, demand.intraNode());
          quality = TopologyClass.qualityOf(lookup);
          taken = TopologyClass.chosenOf(lookup);
        } else {
          quality = topology.quality(eligible, k, demand.intraNode());
          taken = quality < 0 ? 0 : topology.choose(eligible, k, demand.intraNode());
        }
        if (quality < 0) {
          return -1 - TOPOLOGY_FILTER;
        }
        topologyScore = TopologyScore.of(quality);
      }
    }
    // a scorer that is absent has weight 0 here: its term is 0, as its absence adds nothing
    long sum = topologyWeight * topologyScore + packingWeight * packing.score(demand, node)
        + memoryWeight * memory.score(demand, node);
    fragmentation.gpuPart(demand, node, taken, sharedGpu, ranges, part, 0);
    return topologyScored && tiered && TopologyScore.topTier(topologyScore) ? DecisionPipeline.TOP_TIER_RANK + sum : sum;
  }
}
