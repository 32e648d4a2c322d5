package dev.gpusched.extender.gang;

import dev.gpusched.gang.GangAnnotations;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Annotations of the MLService instance that owns a pod, so intent written once on the workload reaches its pods: the
 * owner is found through kro's labels on the pod ({@code kro.run/instance-name}, {@code kro.run/instance-namespace},
 * {@code kro.run/instance-kind}) and read from an informer on {@code kro.run/v1alpha1 mlservices}. A cluster without
 * the MLService CRD is fine: the informer's failure is logged once and every pod then has no owner annotations.
 */
public final class OwnerAnnotations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerAnnotations.class);
  /** kro's label naming the instance's namespace. */
  public static final String KRO_INSTANCE_NAMESPACE = "kro.run/instance-namespace";
  /** kro's label naming the instance's kind. */
  public static final String KRO_INSTANCE_KIND = "kro.run/instance-kind";
  /** The MLService custom resource as kro's ResourceGraphDefinition defines it. */
  public static final ResourceDefinitionContext MLSERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("kro.run").withVersion("v1alpha1").withKind("MLService").withPlural("mlservices").withNamespaced(true)
      .build();

  private final SharedIndexInformer<GenericKubernetesResource> informer;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private OwnerAnnotations(SharedIndexInformer<GenericKubernetesResource> informer) {
    this.informer = informer;
  }

  /** No owners: every pod's lookup gives no annotations (tests, and clusters where the informer cannot start). */
  public static OwnerAnnotations none() {
    return new OwnerAnnotations(null);
  }

  /** Starts the MLService informer; waits at most {@code waitMillis} for its first list, tolerating a missing CRD. */
  public static OwnerAnnotations start(KubernetesClient client, long waitMillis) {
    SharedIndexInformer<GenericKubernetesResource> informer;
    try {
      informer = client.genericKubernetesResources(MLSERVICES).inAnyNamespace().runnableInformer(0);
    } catch (RuntimeException e) {
      LOG.info("no MLService informer ({}); pods get intent from their own annotations only", e.getMessage());
      return none();
    }
    OwnerAnnotations owners = new OwnerAnnotations(informer);
    informer.exceptionHandler((started, t) -> {
      if (owners.failureLogged.compareAndSet(false, true)) {
        LOG.info("reading kro.run/v1alpha1 mlservices failed ({}); the MLService CRD is probably not installed. Pods get "
            + "intent from their own annotations only", t.getMessage());
      }
      return false; // do not retry forever against a missing CRD
    });
    try {
      informer.start().toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (owners.failureLogged.compareAndSet(false, true)) {
        LOG.info("MLService informer did not list within {} ms ({}); carrying on without owner annotations until it does",
            waitMillis, e.getMessage());
      }
    }
    return owners;
  }

  /** The owning MLService's annotations, or an empty map (no kro labels, other kind, unknown owner, no CRD). */
  public Map<String, String> of(Pod pod) {
    String key = informer == null ? null : ownerKey(pod);
    GenericKubernetesResource owner = key == null ? null : informer.getStore().getByKey(key);
    if (owner == null || owner.getMetadata().getAnnotations() == null) {
      return Map.of();
    }
    return owner.getMetadata().getAnnotations();
  }

  /** {@code namespace/name} of the MLService a pod names as its owner through kro's labels, or null. */
  public static String ownerKey(Pod pod) {
    if (pod == null || pod.getMetadata() == null || pod.getMetadata().getLabels() == null) {
      return null;
    }
    Map<String, String> labels = pod.getMetadata().getLabels();
    String name = labels.get(GangAnnotations.KRO_INSTANCE_NAME);
    String kind = labels.get(KRO_INSTANCE_KIND);
    if (name == null || (kind != null && !kind.equals(MLSERVICES.getKind()))) {
      return null;
    }
    String ns = labels.get(KRO_INSTANCE_NAMESPACE);
    if (ns == null) {
      ns = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
    }
    return ns + "/" + name;
  }

  /** Every MLService in the informer's cache (none without the CRD), for the Backstage catalog. */
  public java.util.List<GenericKubernetesResource> mlServices() {
    return informer == null ? java.util.List.of() : informer.getStore().list();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
