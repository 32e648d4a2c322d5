package dev.gpusched.extender.kube;

import dev.gpusched.extender.gang.GangDisruptions;
import dev.gpusched.extender.gang.PodRef;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GangDisruptions} through the real API: a {@code policy/v1} Eviction posted to the pod's {@code eviction}
 * subresource with the pod's UID as precondition (a dry run with {@code dryRun: [All]}), and core/v1 Events from
 * component {@code gpusched}. The eviction is posted raw, not through fabric8's {@code evict()}, because that answers
 * a refusal with {@code false} alone, and the refusal's message (which budget, how many healthy pods) is the reason a
 * candidate is dropped.
 */
public final class KubernetesGangDisruptions implements GangDisruptions {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesGangDisruptions.class);
  private static final String COMPONENT = "gpusched";

  private final KubernetesClient client;
  /** The same client without retries: a refused eviction (429) is an answer here, not a reason to try again at once. */
  private final KubernetesClient once;
  private final String instance;

  /** @param instance this replica's name in the events it reports ({@code reportingInstance}) */
  public KubernetesGangDisruptions(KubernetesClient client, String instance) {
    this.client = client;
    this.once = client.newClient(new RequestConfigBuilder().withRequestRetryBackoffLimit(0).build())
        .adapt(KubernetesClient.class);
    this.instance = instance;
  }

  @Override
  public Eviction evict(PodRef pod, boolean dryRun) {
    DeleteOptionsBuilder options = new DeleteOptionsBuilder().withNewPreconditions().withUid(pod.uid()).endPreconditions();
    if (dryRun) {
      options.withDryRun("All");
    }
    var body = new EvictionBuilder().withNewMetadata().withName(pod.name()).withNamespace(pod.namespace())
        .endMetadata().withDeleteOptions(options.build()).build();
    String url = URLUtils.join(client.getMasterUrl().toString(), "api", "v1", "namespaces", pod.namespace(), "pods",
        pod.name(), "eviction");
    try {
      once.raw(url, "POST", body);
      return Eviction.EVICTED;
    } catch (KubernetesClientException e) {
      return switch (e.getCode()) {
        // 404: gone; 409: the UID precondition failed, so the name now holds another pod
        case 404, 409 -> Eviction.GONE;
        case 429 -> new Eviction(Outcome.REFUSED, message(e));
        default -> new Eviction(Outcome.FAILED, "HTTP " + e.getCode() + ": " + message(e));
      };
    }
  }

  /** The Status message with its causes ("Cannot evict pod as it would violate the pod's disruption budget. ..."). */
  private static String message(KubernetesClientException e) {
    Status s = e.getStatus();
    if (s == null || s.getMessage() == null) {
      return e.getMessage();
    }
    List<String> parts = new ArrayList<>();
    parts.add(s.getMessage());
    if (s.getDetails() != null && s.getDetails().getCauses() != null) {
      for (StatusCause c : s.getDetails().getCauses()) {
        if (c.getMessage() != null) {
          parts.add(c.getMessage());
        }
      }
    }
    return String.join(" ", parts);
  }

  @Override
  public void event(PodRef pod, String type, String reason, String message) {
    String now = Instant.now().toString();
    var event = new EventBuilder().withNewMetadata().withGenerateName(pod.name() + ".").withNamespace(pod.namespace())
        .endMetadata().withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(pod.namespace())
        .withName(pod.name()).withUid(pod.uid()).endInvolvedObject().withType(type).withReason(reason)
        .withMessage(message).withNewSource().withComponent(COMPONENT).endSource().withReportingComponent(COMPONENT)
        .withReportingInstance(instance).withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build();
    try {
      client.v1().events().inNamespace(pod.namespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on pod {}: HTTP {}: {}", reason, pod.key(), e.getCode(), message(e));
    }
  }
}
