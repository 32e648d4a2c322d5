package dev.gpusched.gang;

import java.util.Objects;

/** Identity of a gang: its name is unique per namespace. Printed as {@code namespace/name}. */
public record GangKey(String namespace, String name) implements Comparable<GangKey> {

    public GangKey {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** Parses {@code namespace/name}. */
    public static GangKey parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("gang key '" + text + "' is not of the form namespace/name");
        }
        return new GangKey(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public int compareTo(GangKey o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
