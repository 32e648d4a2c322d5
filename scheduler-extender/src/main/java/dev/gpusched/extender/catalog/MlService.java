package dev.gpusched.extender.catalog;

import java.util.Map;
import java.util.Set;

/**
 * An MLService as the catalog shows it, read from gpusched's caches: its identity, labels and annotations, the pods it
 * owns and the state of the gang they form.
 *
 * @param podKeys {@code namespace/name} of the pods that name it as their owner (kro's instance labels)
 * @param gang the gang its pods form ({@code namespace/name}), or null when they form none
 * @param gangState {@link GangStates} word of that gang; {@link GangStates#NONE} without one
 */
public record MlService(String namespace, String name, Map<String, String> labels, Map<String, String> annotations,
    Set<String> podKeys, String gang, String gangState) {

  public MlService {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    podKeys = Set.copyOf(podKeys);
    java.util.Objects.requireNonNull(gangState, "gangState");
  }

  /** {@code namespace/name}. */
  public String key() {
    return namespace + "/" + name;
  }
}
