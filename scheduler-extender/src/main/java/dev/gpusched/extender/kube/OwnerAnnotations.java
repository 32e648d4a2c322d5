package dev.gpusched.extender.kube;

import dev.gpusched.gang.GangAnnotations;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Annotations of the MLService instance that owns a pod, so intent written once on the workload reaches its pods: the
 * owner is named by the pod's label {@code gpusched.dev/mlservice} (the MLService RGD puts it on its pod templates; the
 * owner is in the pod's namespace), else by the labels kro puts on objects it creates itself
 * ({@code kro.run/instance-name}, {@code kro.run/instance-namespace}), and read from an informer on the configured
 * MLService resource ({@code --mlservice-resource}, default {@code mlservices.v1alpha1.kro.run}). A cluster without
 * the MLService CRD is fine: the informer's failure is logged once and every pod then has no owner annotations.
 */
public final class OwnerAnnotations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerAnnotations.class);
  /** Label the MLService RGD puts on its pods: the name of the owning MLService, in the pod's namespace. */
  public static final String MLSERVICE_LABEL = "gpusched.dev/mlservice";
  /** kro's label naming the instance's namespace. */
  public static final String KRO_INSTANCE_NAMESPACE = "kro.run/instance-namespace";
  /** kro's label naming the instance's kind. */
  public static final String KRO_INSTANCE_KIND = "kro.run/instance-kind";
  /** The kind of the owning instances, as the RGD's schema names it. */
  public static final String KIND = "MLService";

  /**
   * The MLService custom resource: {@code plural.version.group}, as {@code kubectl get mlservices.v1alpha1.kro.run}
   * names it. kro serves an RGD's instances in the group of its {@code spec.schema.group} (default {@code kro.run}).
   */
  public record Resource(String plural, String version, String group) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern VERSION = Pattern.compile("v[0-9]+((alpha|beta)[0-9]+)?");
    /** kro's default group and the RGD's version: {@code mlservices.v1alpha1.kro.run}. */
    public static final Resource DEFAULT = new Resource("mlservices", "v1alpha1", "kro.run");

    public Resource {
      boolean valid = plural != null && LABEL.matcher(plural).matches() && version != null
          && VERSION.matcher(version).matches() && group != null
          && Arrays.stream(group.split("\\.", -1)).allMatch(part -> LABEL.matcher(part).matches());
      if (!valid) {
        throw new IllegalArgumentException("MLService resource '" + plural + "." + version + "." + group + "' is not"
            + " plural.version.group; write it as kubectl names it, e.g. mlservices.v1alpha1.kro.run");
      }
    }

    /** Parses {@code plural.version.group}, e.g. {@code mlservices.v1alpha1.kro.run}; throws saying what is expected. */
    public static Resource parse(String text) {
      String[] parts = text == null ? new String[0] : text.trim().split("\\.", 3);
      if (parts.length < 3) {
        throw new IllegalArgumentException("MLService resource '" + text + "' is not plural.version.group; write it as"
            + " kubectl names it, e.g. mlservices.v1alpha1.kro.run");
      }
      return new Resource(parts[0], parts[1], parts[2]);
    }

    /** The resource for fabric8's generic client (namespaced, kind {@value #KIND}). */
    public ResourceDefinitionContext context() {
      return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(KIND)
          .withPlural(plural).withNamespaced(true).build();
    }

    @Override
    public String toString() {
      return plural + "." + version + "." + group;
    }
  }

  private final SharedIndexInformer<GenericKubernetesResource> informer;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private OwnerAnnotations(SharedIndexInformer<GenericKubernetesResource> informer) {
    this.informer = informer;
  }

  /** No owners: every pod's lookup gives no annotations (tests, and clusters where the informer cannot start). */
  public static OwnerAnnotations none() {
    return new OwnerAnnotations(null);
  }

  /**
   * Starts the informer on {@code resource}; waits at most {@code waitMillis} for its first list, tolerating a missing
   * CRD.
   */
  public static OwnerAnnotations start(KubernetesClient client, Resource resource, long waitMillis) {
    SharedIndexInformer<GenericKubernetesResource> informer;
    try {
      informer = client.genericKubernetesResources(resource.context()).inAnyNamespace().runnableInformer(0);
    } catch (RuntimeException e) {
      LOG.info("no MLService informer ({}); pods get intent from their own annotations only", e.getMessage());
      return none();
    }
    OwnerAnnotations owners = new OwnerAnnotations(informer);
    informer.exceptionHandler((started, t) -> {
      if (owners.failureLogged.compareAndSet(false, true)) {
        LOG.info("reading {} failed ({}); the MLService CRD is probably not installed (or --mlservice-resource names "
            + "another group or version). Pods get intent from their own annotations only", resource, t.getMessage());
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

  /** The owning MLService's annotations, or an empty map (no owner label, other kind, unknown owner, no CRD). */
  public Map<String, String> of(Pod pod) {
    return pod == null || pod.getMetadata() == null ? Map.of() : of(namespaceOf(pod), pod.getMetadata().getLabels());
  }

  /** {@link #of(Pod)} of a pod in {@code namespace} with these labels. */
  public Map<String, String> of(String namespace, Map<String, String> labels) {
    String key = informer == null ? null : ownerKey(namespace, labels);
    GenericKubernetesResource owner = key == null ? null : informer.getStore().getByKey(key);
    if (owner == null || owner.getMetadata().getAnnotations() == null) {
      return Map.of();
    }
    return owner.getMetadata().getAnnotations();
  }

  /**
   * {@code namespace/name} of the MLService a pod names as its owner: the {@value #MLSERVICE_LABEL} label (in the
   * pod's namespace), else kro's instance labels; null when it names none or another kind.
   */
  public static String ownerKey(Pod pod) {
    return pod == null || pod.getMetadata() == null ? null : ownerKey(namespaceOf(pod), pod.getMetadata().getLabels());
  }

  /** {@link #ownerKey(Pod)} of a pod in {@code namespace} (null: "default") with these labels. */
  public static String ownerKey(String namespace, Map<String, String> labels) {
    if (labels == null) {
      return null;
    }
    String podNamespace = namespace == null ? "default" : namespace;
    String name = labels.get(MLSERVICE_LABEL);
    if (name != null) {
      return podNamespace + "/" + name;
    }
    name = labels.get(GangAnnotations.KRO_INSTANCE_NAME);
    String kind = labels.get(KRO_INSTANCE_KIND);
    if (name == null || (kind != null && !kind.equals(KIND))) {
      return null;
    }
    return labels.getOrDefault(KRO_INSTANCE_NAMESPACE, podNamespace) + "/" + name;
  }

  private static String namespaceOf(Pod pod) {
    return pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
  }

  /** Every MLService in the informer's cache (none without the CRD), for the Backstage catalog. */
  public List<GenericKubernetesResource> mlServices() {
    return informer == null ? List.of() : informer.getStore().list();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
