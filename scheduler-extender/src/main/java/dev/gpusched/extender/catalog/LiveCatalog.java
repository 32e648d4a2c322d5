package dev.gpusched.extender.catalog;

import dev.gpusched.extender.decide.FragmentationScore;
import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.PodCache;
import dev.gpusched.gang.GangSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The catalog of a running gpusched, read from its caches at each call: the published snapshot, the MLService and pod
 * informers, and (on the leader, which alone holds gang state) the gangs.
 */
public final class LiveCatalog implements Supplier<String> {
  private final CatalogSettings settings;
  private final Supplier<ClusterSnapshot> snapshots;
  private final FragmentationScore fragmentation;
  private final Supplier<List<GenericKubernetesResource>> mlServices;
  private final PodCache pods;
  private final GangScheduling gangs;
  private final BooleanSupplier leads;

  /**
   * @param fragmentation the scorer whose stranded GPU the pools show (the server's profile and CPU view)
   * @param mlServices the MLServices the informer holds
   * @param pods the pods the informer holds, with their owners
   * @param gangs gang scheduling, or null (every gang then unknown)
   * @param leads true while this replica leads
   */
  public LiveCatalog(CatalogSettings settings, Supplier<ClusterSnapshot> snapshots, FragmentationScore fragmentation,
      Supplier<List<GenericKubernetesResource>> mlServices, PodCache pods, GangScheduling gangs, BooleanSupplier leads) {
    this.settings = settings;
    this.snapshots = snapshots;
    this.fragmentation = fragmentation;
    this.mlServices = mlServices;
    this.pods = pods;
    this.gangs = gangs;
    this.leads = leads;
  }

  @Override
  public String get() {
    var states = gangs != null && leads.getAsBoolean() ? GangStates.fromInspect(gangs.inspect()) : null;
    var services = MlServiceRecords.of(mlServices.get(), pods.pods(), pods::ownerKey, pod -> {
      GangSpec spec = GangScheduling.specOf(pod, pods.ownerAnnotations(pod));
      return spec == null ? null : spec.key().toString();
    }, states);
    return CatalogYaml.write(CatalogBuilder.entities(settings, snapshots.get(), fragmentation::strandedNow, services));
  }
}
