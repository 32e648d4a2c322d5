package dev.gpusched.extender.bind;

/** The API write a bind needs; implementations throw on failure with the API server's message. */
public interface ClusterWriter {
  /**
   * Binds the pod to the node in one write: a Binding with the pod's UID (the API server refuses it for a pod
   * re-created under the same name, one already bound or one being deleted) and, unless {@code gpuIds} is empty,
   * {@code gpusched.dev/gpu-ids: gpuIds} in its annotations, which the API server copies onto the pod in the same update
   * that sets {@code spec.nodeName}. The pod is bound with its GPU ids recorded, or not bound at all.
   */
  void bind(String namespace, String name, String uid, String node, String gpuIds);
}
