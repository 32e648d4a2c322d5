package dev.gpusched.gang;

import java.util.Objects;

/**
 * What one gang member needs on its node: a number of whole GPUs and the id of its intra-node placement policy,
 * opaque here (the {@link CapacityView} interprets it when choosing GPUs).
 *
 * @param gpus           whole GPUs, 1..64
 * @param intraPolicyId  the intra-node policy's id, e.g. {@code prefer-nvlink}; never null (use "" for none)
 */
public record MemberDemand(int gpus, String intraPolicyId) {

    public MemberDemand {
        if (gpus < 1 || gpus > 64) {
            throw new IllegalArgumentException("a gang member must ask for 1..64 whole GPUs, got " + gpus);
        }
        Objects.requireNonNull(intraPolicyId, "intraPolicyId");
    }

    @Override
    public String toString() {
        return gpus + " GPUs" + (intraPolicyId.isEmpty() ? "" : " (" + intraPolicyId + ")");
    }
}
