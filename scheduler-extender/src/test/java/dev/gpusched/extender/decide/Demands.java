package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.Placement;
import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.topology.IntraNodePolicy;
import java.util.List;

/**
 * {@link PodDemand}s for tests, saying only what matters: {@code Demands.whole(2).memory(40_000).cpu(2_000).build()}.
 * Defaults: no memory request, {@code prefer-nvlink}, binpack, every GPU model, no CPU request.
 */
public final class Demands {
  private int gpus;
  private int milli;
  private long memoryMiB;
  private IntraNodePolicy intraNode = IntraNodePolicy.PREFER_NVLINK;
  private Placement placement = Placement.BINPACK;
  private List<String> models = List.of();
  private long cpuMilli;
  private String name = "p";

  private Demands() {}

  /** A pod of {@code gpus} whole GPUs. */
  public static Demands whole(int gpus) {
    Demands d = new Demands();
    d.gpus = gpus;
    return d;
  }

  /** A pod of {@code milli} thousandths of one GPU. */
  public static Demands share(int milli) {
    Demands d = new Demands();
    d.milli = milli;
    return d;
  }

  /** A pod of no GPU. */
  public static Demands noGpu() {
    return new Demands();
  }

  public Demands memory(long memoryMiB) {
    this.memoryMiB = memoryMiB;
    return this;
  }

  public Demands intraNode(IntraNodePolicy policy) {
    this.intraNode = policy;
    return this;
  }

  public Demands spread() {
    this.placement = Placement.SPREAD;
    return this;
  }

  public Demands models(String... models) {
    this.models = List.of(models);
    return this;
  }

  public Demands cpu(long cpuMilli) {
    this.cpuMilli = cpuMilli;
    return this;
  }

  /** Another pod (name and uid) of the same demand. */
  public Demands named(String name) {
    this.name = name;
    return this;
  }

  public PodDemand build() {
    return new PodDemand("ns", name, "uid-" + name, gpus, milli, memoryMiB, intraNode, placement, models, cpuMilli);
  }

  /** {@code d} with another CPU request. */
  public static PodDemand withCpu(PodDemand d, long cpuMilli) {
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), d.memoryMiB(), d.intraNode(),
        d.placement(), d.allowedModels(), cpuMilli);
  }

  /** {@code d} with another GPU memory request. */
  public static PodDemand withMemory(PodDemand d, long memoryMiB) {
    return new PodDemand(d.namespace(), d.name(), d.uid(), d.gpus(), d.milli(), memoryMiB, d.intraNode(),
        d.placement(), d.allowedModels(), d.cpuMilli());
  }
}
