package dev.gpusched.bench.jmh;

import dev.gpusched.extender.model.Annotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.HashMap;
import java.util.Map;

/**
 * The pods the scoring-loop benchmark places, as kube-scheduler would hand them to the extender.
 *
 * <p>{@link #GANG_MEMBER} carries the gang annotations: the benchmark places it through the server's gang scheduling
 * ({@link GangMemberLoop}), not through the pipeline.
 */
public enum PodKind {
  /** One whole GPU, default policy. */
  WHOLE1("whole1", 1, 0, Map.of()),
  /** Four whole GPUs that must all be NVLink-connected. */
  WHOLE4_NVLINK("whole4-nvlink", 4, 0, Map.of(Annotations.INTRA_NODE, "nvlink")),
  /** A quarter of one GPU with 10 GiB of its memory. */
  SHARED("shared", 0, 250, Map.of(Annotations.GPU_MEMORY, "10Gi")),
  /** A 2-GPU member of a 4-pod gang. */
  GANG_MEMBER("gang-member", 2, 0, Map.of(Annotations.GANG, "train-a", Annotations.GANG_SIZE, "4"));

  /** The names {@code @Param} uses. */
  public final String label;
  private final int gpus;
  private final int milli;
  private final Map<String, String> annotations;

  PodKind(String label, int gpus, int milli, Map<String, String> annotations) {
    this.label = label;
    this.gpus = gpus;
    this.milli = milli;
    this.annotations = annotations;
  }

  public static PodKind of(String label) {
    for (PodKind k : values()) {
      if (k.label.equals(label)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown pod kind \"" + label + "\": use whole1, whole4-nvlink, shared or gang-member");
  }

  /** The pending pod, with its GPU request in requests and limits as users write it. */
  public Pod pod() {
    Map<String, Quantity> resources = new HashMap<>();
    resources.put("cpu", new Quantity("1"));
    if (gpus > 0) {
      resources.put(Annotations.RESOURCE_GPU, new Quantity(Integer.toString(gpus)));
    }
    if (milli > 0) {
      resources.put(Annotations.RESOURCE_GPU_MILLI, new Quantity(Integer.toString(milli)));
    }
    return new PodBuilder()
        .withNewMetadata().withNamespace("bench").withName("bench-" + label).withUid("uid-bench-" + label)
        .withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("registry.invalid/cuda:never-pulled")
        .withNewResources().withRequests(resources).withLimits(resources).endResources().endContainer().endSpec()
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
  }
}
