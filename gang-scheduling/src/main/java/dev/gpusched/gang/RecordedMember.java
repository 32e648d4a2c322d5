package dev.gpusched.gang;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What the API says about one gang member pod after a restart: read from the reservation annotations the extender
 * wrote when the pod claimed its place ({@link GangAnnotations#RESERVED_NODE}, {@link GangAnnotations#RESERVED_GPU_IDS},
 * {@link GangAnnotations#RESERVED_AT}, {@link GangAnnotations#GANG_SLOT}, {@link GangAnnotations#GANG_PLAN}) and from
 * {@code spec.nodeName} (bound or not).
 *
 * @param podUid     the pod's uid
 * @param spec       the pod's gang, as {@link GangSpec#fromPod} gives it
 * @param slot       its place in the plan
 * @param node       reserved node
 * @param gpuMask    reserved GPUs
 * @param reservedAt when the gang was reserved
 * @param boundNode  {@code spec.nodeName}, or null when the pod is not bound
 * @param planText   the {@link GangAnnotations#GANG_PLAN} text, or null
 */
public record RecordedMember(String podUid, GangSpec spec, int slot, String node, long gpuMask, Instant reservedAt,
                             String boundNode, String planText) {

    /** True when the pod is bound (to any node). */
    public boolean bound() {
        return boundNode != null && !boundNode.isEmpty();
    }

    /**
     * Reads a member's record from its annotations; null when the pod holds no place (no
     * {@link GangAnnotations#RESERVED_NODE}).
     *
     * @throws IllegalArgumentException naming the malformed annotation
     */
    public static RecordedMember fromAnnotations(String podUid, GangSpec spec, Map<String, String> annotations,
                                                 String boundNode) {
        String node = annotations.get(GangAnnotations.RESERVED_NODE);
        if (node == null || node.isBlank()) {
            return null;
        }
        String ids = annotations.get(GangAnnotations.RESERVED_GPU_IDS);
        long mask;
        try {
            mask = GangPlanCodec.parseGpuIds(ids);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(GangAnnotations.RESERVED_GPU_IDS + ": " + e.getMessage(), e);
        }
        String at = annotations.get(GangAnnotations.RESERVED_AT);
        Instant reservedAt;
        try {
            reservedAt = Instant.parse(at == null ? "" : at.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(GangAnnotations.RESERVED_AT + " '" + at + "' is not an RFC 3339 time "
                    + "such as 2026-01-31T12:00:00Z", e);
        }
        String slotText = annotations.get(GangAnnotations.GANG_SLOT);
        int slot;
        if (slotText == null || !slotText.trim().matches("[0-9]{1,5}")
                || Integer.parseInt(slotText.trim()) >= spec.size()) {
            throw new IllegalArgumentException(GangAnnotations.GANG_SLOT + " '" + slotText + "' is not a place index "
                    + "0.." + (spec.size() - 1));
        }
        slot = Integer.parseInt(slotText.trim());
        return new RecordedMember(podUid, spec, slot, node.trim(), mask, reservedAt, boundNode,
                annotations.get(GangAnnotations.GANG_PLAN));
    }
}
