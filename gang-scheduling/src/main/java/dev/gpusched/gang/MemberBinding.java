package dev.gpusched.gang;

/**
 * A pod and the place it is (to be) bound to: what the extender writes in the GPU annotation and the Binding.
 *
 * @param podUid  the pod's uid
 * @param node    node name
 * @param gpuMask GPU indices as a bitmask
 * @param member  slot index in the gang's plan
 */
public record MemberBinding(String podUid, String node, long gpuMask, int member) {

    /** GPU indices as comma-separated text, e.g. {@code 0,1,2,3}. */
    public String gpuIds() {
        return GangPlanCodec.gpuIds(gpuMask);
    }
}
