package dev.gpusched.extender.kube;

import dev.gpusched.extender.model.Annotations;
import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.extender.state.PodRecord;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod to what gpusched keeps of it ({@link CachedPod}) and back. The pod rebuilt from a kept one carries exactly what
 * gpusched reads of pods (identity, node, phase, deletion, the labels and annotations under {@code gpusched.dev/} and
 * {@code kro.run/}, CPU and GPU requests and limits, scheduler, priority, start, a pending pod's scheduling failure), so every reader gives the same answer for both: its demand, its
 * ledger record, its gang, its owner. A pod that names no GPU resource is rebuilt with one container requesting its CPU
 * total.
 */
public final class CachedPods {
  /** The container a pod without GPU resources is rebuilt with: it requests the pod's CPU total. */
  static final String CPU_TOTAL_CONTAINER = "cpu-total";
  private static final String SCHEDULED = "PodScheduled";

  private CachedPods() {}

  /** What gpusched keeps of {@code pod}. */
  public static CachedPod of(Pod pod) {
    PodRecord record = KubeRecords.podRecord(pod);
    var meta = pod.getMetadata();
    String phase = pod.getStatus() == null ? null : KubeRecords.interned(pod.getStatus().getPhase());
    return new CachedPod(record, phase,
        KubeRecords.interned(meta.getLabels(), InformerJson::podKeyRead, KubeRecords.INTERNED_VALUE_LENGTH),
        KubeRecords.interned(meta.getAnnotations(), InformerJson::podKeyRead, KubeRecords.INTERNED_VALUE_LENGTH),
        meta.getDeletionTimestamp(), namesGpuResource(pod) ? containers(pod) : List.of(),
        pod.getSpec() == null ? null : KubeRecords.interned(pod.getSpec().getSchedulerName()),
        pod.getSpec() == null ? null : pod.getSpec().getPriority(), startSecond(pod),
        record.nodeName() == null ? unscheduled(pod) : null);
  }

  private static long startSecond(Pod pod) {
    String start = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
    if (start == null) {
      return CachedPod.NOT_STARTED;
    }
    try {
      return Instant.parse(start).getEpochSecond();
    } catch (DateTimeParseException e) {
      return CachedPod.NOT_STARTED; // the API server writes RFC 3339; anything else says nothing of when it started
    }
  }

  private static CachedPod.Unscheduled unscheduled(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if (SCHEDULED.equals(c.getType()) && "False".equals(c.getStatus())) {
        return new CachedPod.Unscheduled(KubeRecords.interned(c.getReason()), c.getMessage());
      }
    }
    return null;
  }

  /** The pod as far as gpusched reads pods; a new object each time (callers may keep or change it). */
  public static Pod pod(CachedPod kept) {
    PodRecord r = kept.record();
    List<Container> containers = new ArrayList<>();
    List<Container> initContainers = new ArrayList<>();
    if (kept.containers().isEmpty()) {
      if (r.cpuMilli() > 0) {
        containers.add(new ContainerBuilder().withName(CPU_TOTAL_CONTAINER).withNewResources()
            .withRequests(Map.of("cpu", new Quantity(r.cpuMilli() + "m"))).endResources().build());
      }
    } else {
      for (CachedPod.Container c : kept.containers()) {
        (c.init() ? initContainers : containers).add(new ContainerBuilder().withName(c.name()).withNewResources()
            .withRequests(quantities(c.requests())).withLimits(quantities(c.limits())).endResources().build());
      }
    }
    return new PodBuilder()
        .withMetadata(new ObjectMetaBuilder().withNamespace(r.namespace()).withName(r.name())
            .withUid(r.uid().equals(r.key()) ? null : r.uid()).withCreationTimestamp(r.creationTimestamp())
            .withDeletionTimestamp(kept.deletionTimestamp()).withLabels(new LinkedHashMap<>(kept.labels()))
            .withAnnotations(new LinkedHashMap<>(kept.annotations())).build())
        .withSpec(new PodSpecBuilder().withNodeName(r.nodeName()).withContainers(containers)
            .withInitContainers(initContainers).withSchedulerName(kept.schedulerName()).withPriority(kept.priority())
            .build())
        .withStatus(status(kept))
        .build();
  }

  private static PodStatus status(CachedPod kept) {
    PodStatus status = new PodStatus();
    status.setPhase(kept.phase());
    if (kept.startSecond() != CachedPod.NOT_STARTED) {
      status.setStartTime(Instant.ofEpochSecond(kept.startSecond()).toString());
    }
    if (kept.unscheduled() != null) {
      status.setConditions(new ArrayList<>(List.of(new PodConditionBuilder().withType(SCHEDULED).withStatus("False")
          .withReason(kept.unscheduled().reason()).withMessage(kept.unscheduled().message()).build())));
    }
    return status;
  }

  private static boolean namesGpuResource(Pod pod) {
    if (pod.getSpec() == null) {
      return false;
    }
    for (List<Container> list : List.of(nullSafe(pod.getSpec().getContainers()),
        nullSafe(pod.getSpec().getInitContainers()))) {
      for (Container c : list) {
        if (c.getResources() != null && (namesGpu(c.getResources().getRequests())
            || namesGpu(c.getResources().getLimits()))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean namesGpu(Map<String, Quantity> resources) {
    return resources != null && (resources.containsKey(Annotations.RESOURCE_GPU)
        || resources.containsKey(Annotations.RESOURCE_GPU_MILLI));
  }

  private static List<CachedPod.Container> containers(Pod pod) {
    List<CachedPod.Container> out = new ArrayList<>();
    for (Container c : nullSafe(pod.getSpec().getContainers())) {
      out.add(container(c, false));
    }
    for (Container c : nullSafe(pod.getSpec().getInitContainers())) {
      out.add(container(c, true));
    }
    return List.copyOf(out);
  }

  private static CachedPod.Container container(Container c, boolean init) {
    var res = c.getResources();
    return new CachedPod.Container(KubeRecords.interned(c.getName()), init,
        texts(res == null ? null : res.getRequests()), texts(res == null ? null : res.getLimits()));
  }

  /** The resources gpusched reads, as quantity text (interned: "1", "8", "500m" repeat across pods). */
  private static Map<String, String> texts(Map<String, Quantity> resources) {
    if (resources == null || resources.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    resources.forEach((name, q) -> {
      if (q != null && InformerJson.podResourceRead(name)) {
        out.put(name.intern(), q.toString().intern());
      }
    });
    return Map.copyOf(out);
  }

  private static Map<String, Quantity> quantities(Map<String, String> texts) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    texts.forEach((name, text) -> out.put(name, new Quantity(text)));
    return out;
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }
}
