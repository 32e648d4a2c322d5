package dev.gpusched.topology.cluster;

import java.util.Locale;

/**
 * How close the members of a gang must (or should) be to each other across nodes, as written in the pod annotation
 * {@code gpusched.dev/inter-node}.
 *
 * <p>Required policies confine the whole gang to one domain of the named level; preferred ones try that level first
 * and widen level by level up to the whole cluster; {@link #ANY} plans on the whole cluster at once;
 * {@link #PREFER_NARROWEST} (the default) tries every configured level from the narrowest up.
 */
public enum InterNodePolicy {
    SAME_CLIQUE("same-clique", "clique", true),
    SAME_LEAF("same-leaf", "leaf", true),
    SAME_SPINE("same-spine", "spine", true),
    SAME_ZONE("same-zone", "zone", true),
    PREFER_SAME_CLIQUE("prefer-same-clique", "clique", false),
    PREFER_SAME_LEAF("prefer-same-leaf", "leaf", false),
    PREFER_SAME_SPINE("prefer-same-spine", "spine", false),
    PREFER_SAME_ZONE("prefer-same-zone", "zone", false),
    ANY("any", null, false),
    PREFER_NARROWEST("prefer-narrowest", null, false);

    /** The policy of a gang whose pods do not say: prefer the narrowest level that fits. */
    public static final InterNodePolicy DEFAULT = PREFER_NARROWEST;

    private final String value;
    private final String levelWord;
    private final boolean required;

    InterNodePolicy(String value, String levelWord, boolean required) {
        this.value = value;
        this.levelWord = levelWord;
        this.required = required;
    }

    /** The annotation value, e.g. {@code same-leaf}. */
    public String value() {
        return value;
    }

    /** The level this policy names ({@code clique}, {@code leaf}, {@code spine}, {@code zone}), or null. */
    public String levelWord() {
        return levelWord;
    }

    /** True when the gang must fit in one domain of {@link #levelWord()}; false when that is only preferred. */
    public boolean required() {
        return required;
    }

    /**
     * Parses an annotation value (case-insensitive, surrounding blanks ignored); null or blank gives {@link #DEFAULT}.
     *
     * @throws IllegalArgumentException naming the bad value and listing the valid ones
     */
    public static InterNodePolicy parse(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT;
        }
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (InterNodePolicy p : values()) {
            if (p.value.equals(wanted)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown inter-node policy '" + text + "'; valid values: " + validValues());
    }

    /** The valid annotation values, comma-separated, for error messages. */
    public static String validValues() {
        StringBuilder sb = new StringBuilder();
        for (InterNodePolicy p : values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p.value);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
