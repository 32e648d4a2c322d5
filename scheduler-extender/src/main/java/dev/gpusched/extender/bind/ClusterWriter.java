package dev.gpusched.extender.bind;

/** The API writes a bind needs; implementations throw on failure with the API server's message. */
public interface ClusterWriter {
  /** Records the chosen GPU indices on the pod ({@code gpusched.dev/gpu-ids}). */
  void writeGpuIds(String namespace, String name, String uid, String gpuIds);

  /** Removes {@code gpusched.dev/gpu-ids} again after a failed bind (best effort). */
  void clearGpuIds(String namespace, String name, String uid);

  /** Creates the Binding of the pod to the node. */
  void bind(String namespace, String name, String uid, String node);
}
