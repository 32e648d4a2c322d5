package dev.gpusched.gang;

/**
 * Where one member of a planned gang goes.
 *
 * @param member   the member's place (slot) index in the plan, 0..size-1
 * @param node     node index in the planning {@link CapacityView}
 * @param nodeName node name (stable across snapshots, unlike the index)
 * @param gpuMask  GPU indices as a bitmask (bit i = GPU i)
 * @param demand   what the member asked for
 */
public record MemberPlacement(int member, int node, String nodeName, long gpuMask, MemberDemand demand) {
}
