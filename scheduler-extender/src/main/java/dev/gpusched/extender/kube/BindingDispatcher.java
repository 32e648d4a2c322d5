package dev.gpusched.extender.kube;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's mock API server in CRUD mode, answering a pod's Binding as kube-apiserver's {@code BindingREST} does: the
 * mock alone stores a Binding as an object of its own and leaves the pod unbound. Here a Binding posted to
 * {@code namespaces/{ns}/bindings} or {@code pods/{name}/binding} sets the pod's {@code spec.nodeName}, merges the
 * Binding's {@code metadata.annotations} into the pod's and marks it {@code PodScheduled}, in one update; it is refused
 * (409) when the Binding carries another pod's UID, the pod is bound already or is being deleted. Everything else is
 * the CRUD mock's.
 */
public class BindingDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern LEGACY = Pattern.compile("^/api/v1/namespaces/([^/]+)/bindings/?(\\?.*)?$");
  private static final Pattern SUBRESOURCE = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/binding/?(\\?.*)?$");
  protected static final KubernetesSerialization JSON = new KubernetesSerialization();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    if (request.method() == HttpMethod.POST) {
      Matcher legacy = LEGACY.matcher(request.getPath());
      Matcher subresource = SUBRESOURCE.matcher(request.getPath());
      if (legacy.matches()) {
        return bind(legacy.group(1), null, request.getUtf8Body());
      }
      if (subresource.matches()) {
        return bind(subresource.group(1), subresource.group(2), request.getUtf8Body());
      }
    }
    return super.dispatch(request);
  }

  private MockResponse bind(String namespace, String nameInPath, String body) {
    Binding binding;
    try {
      binding = JSON.unmarshal(body, Binding.class);
    } catch (RuntimeException e) {
      return status(400, "BadRequest", "not a Binding: " + e.getMessage());
    }
    String name = binding.getMetadata() == null ? null : binding.getMetadata().getName();
    if (name == null || binding.getTarget() == null || binding.getTarget().getName() == null
        || nameInPath != null && !nameInPath.equals(name)) {
      return status(400, "BadRequest", "a Binding needs metadata.name (the pod's, as in the URL) and target.name");
    }
    String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + name;
    MockResponse current = handleGet(podPath);
    if (current.code() != 200) {
      return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    Pod pod = JSON.unmarshal(current.getBody().readUtf8(), Pod.class);
    String uid = binding.getMetadata().getUid();
    if (uid != null && !uid.isEmpty() && !uid.equals(pod.getMetadata().getUid())) {
      return conflict(name, "Precondition failed: UID in precondition: " + uid + ", UID in object meta: "
          + pod.getMetadata().getUid());
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return conflict(name, "pod " + name + " is being deleted, cannot be assigned to a host");
    }
    String bound = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (bound != null && !bound.isEmpty()) {
      return conflict(name, "pod " + name + " is already assigned to node \"" + bound + "\"");
    }
    MockResponse patched = handlePatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, podPath,
        Headers.builder().add("Content-Type", "application/json-patch+json").build(),
        new Buffer(patch(pod, binding).getBytes(StandardCharsets.UTF_8))));
    if (patched.code() / 100 != 2) {
      // the resourceVersion test failed: another write reached the pod between the read and this update
      return conflict(name, "the pod was changed concurrently; retry");
    }
    return status(201, null, null);
  }

  /**
   * One JSON patch: the pod must still be the version read (so nothing in between is overwritten), then node name,
   * annotations and the PodScheduled condition.
   */
  private static String patch(Pod pod, Binding binding) {
    List<Map<String, Object>> ops = new ArrayList<>();
    ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion", "value", pod.getMetadata().getResourceVersion()));
    ops.add(Map.of("op", "add", "path", "/spec/nodeName", "value", binding.getTarget().getName()));
    Map<String, String> annotations = new LinkedHashMap<>();
    if (pod.getMetadata().getAnnotations() != null) {
      annotations.putAll(pod.getMetadata().getAnnotations());
    }
    if (binding.getMetadata().getAnnotations() != null) {
      annotations.putAll(binding.getMetadata().getAnnotations());
    }
    ops.add(Map.of("op", "add", "path", "/metadata/annotations", "value", annotations));
    List<Object> conditions = new ArrayList<>();
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      pod.getStatus().getConditions().stream().filter(c -> !"PodScheduled".equals(c.getType())).forEach(conditions::add);
    }
    conditions.add(Map.of("type", "PodScheduled", "status", "True",
        "lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
    ops.add(Map.of("op", "add", "path", pod.getStatus() == null ? "/status" : "/status/conditions",
        "value", pod.getStatus() == null ? Map.of("conditions", conditions) : conditions));
    return JSON.asJson(ops);
  }

  private static MockResponse conflict(String name, String why) {
    return status(409, "Conflict", "Operation cannot be fulfilled on pods/binding \"" + name + "\": " + why);
  }

  /** The API server's Status answer: Success below 300, else Failure with its reason and message. */
  protected static MockResponse status(int code, String reason, String message) {
    return status(code, reason, message, null);
  }

  /** {@link #status(int, String, String)} with the cause the API server names in its details, when given. */
  protected static MockResponse status(int code, String reason, String message, StatusCause cause) {
    StatusBuilder status = new StatusBuilder().withStatus(code < 300 ? "Success" : "Failure").withCode(code)
        .withReason(reason).withMessage(message);
    if (cause != null) {
      status.withNewDetails().addToCauses(cause).endDetails();
    }
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(JSON.asJson(status.build()));
  }

}
