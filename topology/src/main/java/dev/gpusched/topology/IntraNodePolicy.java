package dev.gpusched.topology;

import java.util.Locale;

/**
 * What a pod asks of the GPUs chosen for it on one node, from the pod annotation {@code gpusched.dev/intra-node}.
 */
public enum IntraNodePolicy {
    /** Required: every chosen pair is NVLink-connected, otherwise the node is filtered out. */
    NVLINK("nvlink"),
    /** The default: the best interconnect the node can give, NVLink first, without filtering. */
    PREFER_NVLINK("prefer-nvlink"),
    /** Required: all chosen GPUs on one (known) NUMA node. */
    NUMA("numa"),
    /** No interconnect wish: take the GPUs whose loss hurts later requests least. */
    ANY("any");

    /** Valid annotation values, as error messages list them. */
    public static final String VALID_VALUES = "nvlink, prefer-nvlink, numa, any";

    private final String annotationValue;

    IntraNodePolicy(String annotationValue) {
        this.annotationValue = annotationValue;
    }

    /** The annotation value naming this policy. */
    public String annotationValue() {
        return annotationValue;
    }

    /**
     * Parses the annotation value (case-insensitive, surrounding blanks ignored); null or blank means the default
     * {@link #PREFER_NVLINK}.
     *
     * @throws IllegalArgumentException naming the bad value and the valid ones
     */
    public static IntraNodePolicy parse(String annotationValue) {
        if (annotationValue == null || annotationValue.isBlank()) {
            return PREFER_NVLINK;
        }
        String v = annotationValue.trim().toLowerCase(Locale.ROOT);
        for (IntraNodePolicy p : values()) {
            if (p.annotationValue.equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("gpusched.dev/intra-node: unknown value '" + annotationValue.trim()
                + "'; valid values are " + VALID_VALUES + " (default prefer-nvlink)");
    }
}
