package dev.gpusched.extender.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link MlService} records from objects gpusched already caches (the MLService informer, the pod informer, gang
 * state). Reads objects only, calls no API.
 */
public final class MlServiceRecords {
  private MlServiceRecords() {}

  /**
   * @param services the MLService objects
   * @param pods every pod gpusched knows
   * @param ownerOf {@code namespace/name} of the MLService a pod names as its owner, or null
   * @param gangOf the gang key ({@code namespace/name}) a pod belongs to, or null; may throw IllegalArgumentException for
   *     a pod whose gang annotations are invalid (that pod then says nothing of the gang)
   * @param gangStates gang key to state ({@link GangStates#fromInspect}), or null where this replica holds no gang state
   */
  public static List<MlService> of(List<GenericKubernetesResource> services, List<Pod> pods, Function<Pod, String> ownerOf,
      Function<Pod, String> gangOf, Map<String, String> gangStates) {
    Map<String, List<Pod>> podsByOwner = new HashMap<>();
    for (Pod pod : pods) {
      String owner = ownerOf.apply(pod);
      if (owner != null) {
        podsByOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(pod);
      }
    }
    List<MlService> out = new ArrayList<>();
    for (GenericKubernetesResource s : services) {
      var meta = s.getMetadata();
      String namespace = meta.getNamespace() == null ? "default" : meta.getNamespace();
      List<Pod> owned = new ArrayList<>(podsByOwner.getOrDefault(namespace + "/" + meta.getName(), List.of()));
      owned.sort(Comparator.comparing(p -> p.getMetadata().getName()));
      Set<String> keys = new HashSet<>();
      String gang = null;
      for (Pod p : owned) {
        keys.add(namespace(p) + "/" + p.getMetadata().getName());
        if (gang == null) {
          gang = gangOrNull(gangOf, p);
        }
      }
      String state = gang == null ? GangStates.NONE
          : gangStates == null ? GangStates.UNKNOWN : gangStates.getOrDefault(gang, GangStates.UNPLANNED);
      out.add(new MlService(namespace, meta.getName(), meta.getLabels(), meta.getAnnotations(), keys, gang, state));
    }
    return out;
  }

  private static String namespace(Pod p) {
    return p.getMetadata().getNamespace() == null ? "default" : p.getMetadata().getNamespace();
  }

  private static String gangOrNull(Function<Pod, String> gangOf, Pod pod) {
    try {
      return gangOf.apply(pod);
    } catch (IllegalArgumentException invalid) {
      return null;
    }
  }
}
