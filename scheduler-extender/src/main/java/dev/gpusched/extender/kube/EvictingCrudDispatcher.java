package dev.gpusched.extender.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD mock API server with Bindings ({@link BindingDispatcher}) and the {@code pods/{name}/eviction} subresource, which the mock lacks (it answers a
 * posted Eviction 409 "already exists"): an Eviction is answered as the API server answers one, 404 for a missing pod,
 * 409 when its UID precondition fails, 429 when {@link #budgetRefusal} says a disruption budget forbids it (with the
 * API server's message), else 201 and, unless it is a dry run, the pod deleted. The embedded cluster has no
 * PodDisruptionBudgets, so by default nothing is refused; a test overrides {@link #budgetRefusal}.
 */
public class EvictingCrudDispatcher extends BindingDispatcher {
  private static final Pattern EVICTION =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/eviction(\\?.*)?$");

  /**
   * Why a disruption budget forbids evicting this pod now (the cause the API server names, e.g. "The disruption budget
   * train-pdb needs 2 healthy pods and has 2 currently"), or null when nothing forbids it.
   */
  protected String budgetRefusal(Pod pod) {
    return null;
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    Matcher m = EVICTION.matcher(request.getPath());
    if (!m.matches()) {
      return super.handleCreate(request);
    }
    String podPath = "/api/v1/namespaces/" + m.group(1) + "/pods/" + m.group(2);
    MockResponse found = handleGet(podPath);
    if (found.code() != 200) {
      return status(404, "NotFound", "pods \"" + m.group(2) + "\" not found");
    }
    Pod pod = JSON.unmarshal(found.getBody().readUtf8(), Pod.class);
    Map<?, ?> eviction = JSON.unmarshal(request.getUtf8Body(), Map.class);
    Map<?, ?> options = eviction.get("deleteOptions") instanceof Map<?, ?> o ? o : Map.of();
    Map<?, ?> preconditions = options.get("preconditions") instanceof Map<?, ?> p ? p : Map.of();
    Object uid = preconditions.get("uid");
    if (uid != null && !uid.equals(pod.getMetadata().getUid())) {
      return status(409, "Conflict", "Precondition failed: UID in precondition: " + uid + ", UID in object meta: "
          + pod.getMetadata().getUid());
    }
    String refusal = budgetRefusal(pod);
    if (refusal != null) {
      return status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
          new StatusCauseBuilder().withReason("DisruptionBudget").withMessage(refusal).build());
    }
    boolean dryRun = options.get("dryRun") instanceof List<?> d && d.contains("All")
        || request.getPath().contains("dryRun=All");
    if (!dryRun) {
      handleDelete(podPath);
    }
    return status(201, null, null);
  }
}
