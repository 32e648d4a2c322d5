package dev.gpusched.gang;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * gpusched's decision to evict a gang whole because a preemption takes one of its members: written on every pod of
 * the gang before anything is evicted, so that a leader that takes over finishes (or undoes) what was decided.
 *
 * @param gang      the gang evicted whole
 * @param preemptor {@code namespace/name} of the pod whose preemption takes the gang
 * @param node      the node kube-scheduler frees for the preemptor (it evicts the gang's pods there itself)
 * @param at        when the decision was made
 * @param pods      how many pods of the gang the decision covers (all its running pods at that time)
 */
public record PreemptedGang(GangKey gang, String preemptor, String node, Instant at, int pods) {
    /** Pod: {@code namespace/name} of the preemptor whose preemption takes this pod's gang. */
    public static final String PREEMPTED_BY = "gpusched.dev/preempted-by";
    /** Pod, with {@link #PREEMPTED_BY}: the node the preemption frees for the preemptor. */
    public static final String PREEMPTED_ON = "gpusched.dev/preempted-on";
    /** Pod, with {@link #PREEMPTED_BY}: when it was decided (RFC 3339). */
    public static final String PREEMPTED_AT = "gpusched.dev/preempted-at";
    /** Pod, with {@link #PREEMPTED_BY}: how many pods of the gang the decision covers. */
    public static final String PREEMPTED_PODS = "gpusched.dev/preempted-pods";

    public PreemptedGang {
        Objects.requireNonNull(gang, "gang");
        Objects.requireNonNull(preemptor, "preemptor");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(at, "at");
        if (pods < 1) {
            throw new IllegalArgumentException("a gang preemption covers at least one pod, got " + pods);
        }
    }

    /** The annotations that record the decision on each pod of the gang. */
    public Map<String, String> annotations() {
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(PREEMPTED_BY, preemptor);
        ann.put(PREEMPTED_ON, node);
        ann.put(PREEMPTED_AT, at.toString());
        ann.put(PREEMPTED_PODS, Integer.toString(pods));
        return Collections.unmodifiableMap(ann);
    }

    /** The record's annotations, each mapped to null: as a JSON merge patch this removes the record (an undo). */
    public static Map<String, String> removed() {
        Map<String, String> none = new HashMap<>();
        for (String key : new String[] {PREEMPTED_BY, PREEMPTED_ON, PREEMPTED_AT, PREEMPTED_PODS}) {
            none.put(key, null);
        }
        return Collections.unmodifiableMap(none);
    }

    /**
     * The decision recorded on a pod of {@code gang}, or null when the pod carries none.
     *
     * @throws IllegalArgumentException naming the annotation when the record is incomplete or malformed
     */
    public static PreemptedGang fromAnnotations(GangKey gang, Map<String, String> annotations) {
        String by = annotations.get(PREEMPTED_BY);
        if (by == null) {
            return null;
        }
        String node = annotations.get(PREEMPTED_ON);
        String at = annotations.get(PREEMPTED_AT);
        String pods = annotations.get(PREEMPTED_PODS);
        if (node == null || node.isBlank() || at == null || pods == null) {
            throw new IllegalArgumentException(PREEMPTED_BY + " without " + PREEMPTED_ON + ", " + PREEMPTED_AT + " and "
                    + PREEMPTED_PODS);
        }
        try {
            return new PreemptedGang(gang, by, node, Instant.parse(at.trim()), Integer.parseInt(pods.trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(PREEMPTED_AT + "=\"" + at + "\" is not an RFC 3339 time", e);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREEMPTED_PODS + "=\"" + pods + "\" is not a count of pods", e);
        }
    }

    /** The decision in words, for logs, events and /inspect. */
    public String describe() {
        return "gang " + gang + " is evicted whole: the preemption by pod " + preemptor + " on node " + node
                + " takes one of its members";
    }
}
