package dev.gpusched.extender.state;

/**
 * One pod's hold on a node's GPUs.
 *
 * @param mask the GPUs it holds (bit i = GPU i)
 * @param milli its share of the single GPU in {@code mask}, or 0 for whole GPUs
 * @param inferred true when gpusched did not choose the GPUs (bound by someone else, no {@code gpusched.dev/gpu-ids}) and
 *     assigned it the lowest free indices to account for the count
 * @param assumed true while gpusched's own bind is not yet visible through the API
 */
public record Holder(String uid, String podKey, long mask, int milli, long memoryMiB, boolean inferred, boolean assumed) {}
