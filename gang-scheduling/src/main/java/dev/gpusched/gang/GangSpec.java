package dev.gpusched.gang;

import dev.gpusched.topology.cluster.InterNodePolicy;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a pod says about its gang, parsed and validated once.
 *
 * <p>Two forms make a pod a gang member:
 * <ol>
 *   <li>Explicit: {@code gpusched.dev/gang} (the name) and {@code gpusched.dev/gang-size} on the pod, as annotations
 *       or labels (annotations win).</li>
 *   <li>kro: the pod carries kro's labels {@code kro.run/instance-name} and {@code kro.run/collection-size}, and gang
 *       placement is asked for by annotation {@code gpusched.dev/gang: "true"} on the owning MLService, or
 *       {@code gpusched.dev/gang-from-kro: "true"} on the pod (or {@code gpusched.dev/gang: "true"} on the pod, as
 *       when kro copies the MLService's annotations to its pods). The gang's name is then the instance name and its
 *       size the collection size.</li>
 * </ol>
 * {@code gpusched.dev/gang-timeout} and {@code gpusched.dev/inter-node} are read from the pod, else from the owning
 * MLService's annotations.
 *
 * @param namespace the pods' namespace (gang names are per namespace)
 * @param name      the gang's name
 * @param size      members needed, 1..{@value #MAX_SIZE}
 * @param timeout   how long the gang may wait at the bind barrier, {@link #MIN_TIMEOUT}..{@link #MAX_TIMEOUT}
 * @param policy    inter-node placement policy
 */
public record GangSpec(String namespace, String name, int size, Duration timeout, InterNodePolicy policy) {

    public static final int MAX_SIZE = 10_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(h|m|s)");

    public GangSpec {
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("gang namespace is empty");
        }
        validateName(name, GangAnnotations.GANG);
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("gang size " + size + " is out of range; it must be 1.." + MAX_SIZE);
        }
        if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("gang timeout " + timeout + " is out of range; it must be 1s..24h");
        }
        if (policy == null) {
            throw new IllegalArgumentException("gang inter-node policy is missing");
        }
    }

    /** The gang's identity. */
    public GangKey key() {
        return new GangKey(namespace, name);
    }

    /**
     * The gang a pod belongs to, or null when the pod is not a gang member.
     *
     * @param namespace        the pod's namespace
     * @param annotations      the pod's annotations (null = none)
     * @param labels           the pod's labels (null = none)
     * @param ownerAnnotations annotations of the owning MLService, if any (null = none)
     * @throws IllegalArgumentException with a message naming the key, the bad value and what is valid
     */
    public static GangSpec fromPod(String namespace, Map<String, String> annotations, Map<String, String> labels,
                                   Map<String, String> ownerAnnotations) {
        Map<String, String> ann = annotations == null ? Map.of() : annotations;
        Map<String, String> lab = labels == null ? Map.of() : labels;
        Map<String, String> owner = ownerAnnotations == null ? Map.of() : ownerAnnotations;

        String explicitName = firstNonBlank(ann.get(GangAnnotations.GANG), lab.get(GangAnnotations.GANG));
        boolean kroAsked = isTrue(owner.get(GangAnnotations.GANG)) || isTrue(ann.get(GangAnnotations.GANG_FROM_KRO))
                || ("true".equalsIgnoreCase(explicitName == null ? null : explicitName.trim())
                        && lab.containsKey(GangAnnotations.KRO_INSTANCE_NAME));
        String name;
        int size;
        if (kroAsked) {
            String instance = lab.get(GangAnnotations.KRO_INSTANCE_NAME);
            String collectionSize = lab.get(GangAnnotations.KRO_COLLECTION_SIZE);
            if (instance == null || instance.isBlank()) {
                throw new IllegalArgumentException("gang placement from kro is asked for, but the pod lacks label "
                        + GangAnnotations.KRO_INSTANCE_NAME + "; it must be created by kro for an MLService, or "
                        + "carry " + GangAnnotations.GANG + " and " + GangAnnotations.GANG_SIZE + " itself");
            }
            if (collectionSize == null || collectionSize.isBlank()) {
                throw new IllegalArgumentException("gang placement from kro is asked for, but the pod lacks label "
                        + GangAnnotations.KRO_COLLECTION_SIZE + " (kro sets it on forEach collections only); "
                        + "create the gang's pods with forEach or give " + GangAnnotations.GANG_SIZE);
            }
            name = instance.trim();
            size = parseSize(collectionSize, GangAnnotations.KRO_COLLECTION_SIZE);
        } else if (explicitName != null) {
            name = explicitName.trim();
            String sizeText = firstNonBlank(ann.get(GangAnnotations.GANG_SIZE), lab.get(GangAnnotations.GANG_SIZE));
            if (sizeText == null) {
                throw new IllegalArgumentException("pod is in gang '" + name + "' but has no "
                        + GangAnnotations.GANG_SIZE + "; give the number of members needed, 1.." + MAX_SIZE);
            }
            size = parseSize(sizeText, GangAnnotations.GANG_SIZE);
        } else {
            if (ann.containsKey(GangAnnotations.GANG_SIZE) || lab.containsKey(GangAnnotations.GANG_SIZE)) {
                throw new IllegalArgumentException("pod has " + GangAnnotations.GANG_SIZE + " but no "
                        + GangAnnotations.GANG + "; give the gang's name too");
            }
            return null;
        }
        validateName(name, kroAsked ? GangAnnotations.KRO_INSTANCE_NAME : GangAnnotations.GANG);
        Duration timeout = parseTimeout(firstNonBlank(ann.get(GangAnnotations.GANG_TIMEOUT),
                owner.get(GangAnnotations.GANG_TIMEOUT)));
        InterNodePolicy policy;
        String policyText = firstNonBlank(ann.get(GangAnnotations.INTER_NODE), owner.get(GangAnnotations.INTER_NODE));
        try {
            policy = InterNodePolicy.parse(policyText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(GangAnnotations.INTER_NODE + ": " + e.getMessage(), e);
        }
        return new GangSpec(namespace, name, size, timeout, policy);
    }

    private static void validateName(String name, String key) {
        if (name == null || name.isEmpty() || name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw new IllegalArgumentException(key + " '" + name + "' is not a valid gang name; use lowercase "
                    + "letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 chars");
        }
    }

    static int parseSize(String text, String key) {
        String t = text.trim();
        if (t.matches("[0-9]{10,}")) {
            throw new IllegalArgumentException(key + " " + t + " is out of range; a gang needs 1.." + MAX_SIZE
                    + " members");
        }
        if (!t.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException(key + " '" + text + "' is not a whole number; give the number of "
                    + "members needed, 1.." + MAX_SIZE);
        }
        int v = Integer.parseInt(t);
        if (v < 1 || v > MAX_SIZE) {
            throw new IllegalArgumentException(key + " " + v + " is out of range; a gang needs 1.." + MAX_SIZE
                    + " members");
        }
        return v;
    }

    /**
     * Parses a gang timeout: whole seconds ({@code 300}) or Go-style {@code 300s}, {@code 5m}, {@code 1h30m}; null
     * gives {@link #DEFAULT_TIMEOUT}. Range 1s..24h.
     */
    public static Duration parseTimeout(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        long seconds;
        if (t.matches("[0-9]{1,6}")) {
            seconds = Long.parseLong(t);
        } else if (t.matches("([0-9]{1,6}(h|m|s))+")) {
            seconds = 0;
            var m = DURATION_PART.matcher(t);
            while (m.find()) {
                long v = Long.parseLong(m.group(1));
                seconds += switch (m.group(2)) {
                    case "h" -> v * 3600;
                    case "m" -> v * 60;
                    default -> v;
                };
            }
        } else {
            throw new IllegalArgumentException(GangAnnotations.GANG_TIMEOUT + " '" + text + "' is not a duration; "
                    + "write e.g. 300s, 5m or 1h30m (1s to 24h)");
        }
        Duration d = Duration.ofSeconds(seconds);
        if (d.compareTo(MIN_TIMEOUT) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(GangAnnotations.GANG_TIMEOUT + " '" + text + "' is out of range; "
                    + "it must be 1s to 24h");
        }
        return d;
    }

    private static boolean isTrue(String v) {
        return v != null && v.trim().equalsIgnoreCase("true");
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    @Override
    public String toString() {
        return key() + " (" + size + " members, timeout " + timeout.toSeconds() + "s, " + policy.value() + ")";
    }
}
