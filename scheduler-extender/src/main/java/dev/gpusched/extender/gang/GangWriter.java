package dev.gpusched.extender.gang;

import java.util.Map;

/**
 * The API writes of gang scheduling besides binds ({@link dev.gpusched.extender.bind.ClusterWriter} writes those):
 * annotations on member pods (claims, their removal, retry nudges) and deleting members of a released gang. Implemented
 * at the Kubernetes edge. Every write names the pod's UID, so a pod re-created under the same name is never touched.
 */
public interface GangWriter {
  /**
   * Sets (value non-null) or removes (value null) annotations of the pod; blocks until the API server answered.
   *
   * @throws IllegalStateException with the API server's message when it refused
   */
  void annotate(PodRef pod, Map<String, String> annotations);

  /**
   * Deletes the pod if it is still the one with this UID; blocks until the API server answered.
   *
   * @return false when the pod is already gone or was re-created
   */
  boolean delete(PodRef pod);
}
