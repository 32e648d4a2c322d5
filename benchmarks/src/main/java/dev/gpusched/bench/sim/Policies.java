package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.FilterPlugin;
import dev.gpusched.extender.decide.GpuCountFit;
import dev.gpusched.extender.decide.GpuModelFit;
import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.ArrayList;
import java.util.List;

/** The policies the simulator compares, by name. Every policy uses gpusched's GPU filters (model, count/share fit). */
public final class Policies {
  /** Run by default, in report order. */
  public static final List<String> DEFAULT = List.of("gpusched", "bestfit", "packing", "dotprod", "random", "kube-default");
  /** Also available on request. */
  public static final List<String> EXTRA =
      List.of("gpusched-gpuonly", "gpusched-today", "gpusched-priority10", "fgd", "fgd-random-ties");

  private Policies() {}

  public static List<String> all() {
    List<String> out = new ArrayList<>(DEFAULT);
    out.addAll(EXTRA);
    return out;
  }

  public static Policy byName(String name, Trace trace, WorkloadProfile profile) {
    List<FilterPlugin> gpuFilters = List.of(new GpuModelFit(), new GpuCountFit());
    long maxCpu = 0;
    long maxGpu = 0;
    for (TraceNode n : trace.nodes()) {
      maxCpu = Math.max(maxCpu, n.cpuMilli());
      maxGpu = Math.max(maxGpu, n.gpus() * 1000L);
    }
    NodeScorer kube = new LeastAllocatedScore();
    return switch (name) {
      case "gpusched" -> GpuschedPolicy.policy(profile);
      case "gpusched-priority10" -> GpuschedPolicy.extenderPriorities(profile);
      case "gpusched-gpuonly" -> GpuschedPolicy.gpuOnly(profile);
      case "gpusched-today" -> GpuschedPolicy.asWiredToday(profile);
      case "bestfit" -> Policy.of(name, "BestFit (FGD paper): least CPU+GPU left after placement", gpuFilters,
          new BestFitScore(maxCpu, maxGpu), new BestFitScore(maxCpu, maxGpu));
      case "packing" -> Policy.of(name, "GPU Packing (FGD paper): shared GPUs, then used nodes, then idle nodes",
          gpuFilters, new GpuPackingScore(), new GpuPackingScore());
      case "dotprod" -> Policy.of(name, "DotProd (FGD paper, after Tetris): smallest free x request dot product",
          gpuFilters, new DotProductScore(), new DotProductScore());
      case "fgd" -> {
        FgdScore fgd = new FgdScore(trace.pods());
        yield Policy.of(name, "FGD as its authors' simulator scores it (typical pods, GPU models, CPU; reference)",
            gpuFilters, fgd, fgd).withTies(Policy.TieBreak.NODE_ORDER);
      }
      case "fgd-random-ties" -> {
        FgdScore fgd = new FgdScore(trace.pods());
        yield Policy.of(name, "fgd with equal scores broken at random (kube-scheduler's selectHost)", gpuFilters, fgd,
            fgd);
      }
      case "random" -> Policy.of(name, "Random-fit: any feasible node", gpuFilters, new RandomScore(), new RandomScore());
      case "kube-default" -> Policy.of(name, "kube-scheduler default: NodeResourcesFit LeastAllocated (cpu, memory, gpu)",
          gpuFilters, kube, kube);
      default -> throw new IllegalArgumentException("unknown policy \"" + name + "\"; known: " + String.join(", ", all()));
    };
  }
}
