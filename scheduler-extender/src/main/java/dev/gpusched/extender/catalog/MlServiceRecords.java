package dev.gpusched.extender.catalog;

import dev.gpusched.extender.state.CachedPod;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
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
  public static List<MlService> of(List<GenericKubernetesResource> services, List<CachedPod> pods,
      Function<CachedPod, String> ownerOf, Function<CachedPod, String> gangOf, Map<String, String> gangStates) {
    Map<String, List<CachedPod>> podsByOwner = new HashMap<>();
    for (CachedPod pod : pods) {
      String owner = ownerOf.apply(pod);
      if (owner != null) {
        podsByOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(pod);
      }
    }
    List<MlService> out = new ArrayList<>();
    for (GenericKubernetesResource s : services) {
      var meta = s.getMetadata();
      String namespace = meta.getNamespace() == null ? "default" : meta.getNamespace();
      List<CachedPod> owned = new ArrayList<>(podsByOwner.getOrDefault(namespace + "/" + meta.getName(), List.of()));
      owned.sort(Comparator.comparing(CachedPod::name));
      Set<String> keys = new HashSet<>();
      String gang = null;
      for (CachedPod p : owned) {
        keys.add(p.key());
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

  private static String gangOrNull(Function<CachedPod, String> gangOf, CachedPod pod) {
    try {
      return gangOf.apply(pod);
    } catch (IllegalArgumentException invalid) {
      return null;
    }
  }
}
