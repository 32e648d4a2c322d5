package dev.gpusched.extender.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Backstage's rules for entity names and namespaces (those of {@code @backstage/catalog-model}'s
 * {@code KubernetesValidatorFunctions}), and entity names derived from Kubernetes names and label values that always
 * satisfy them: deterministic, and distinct for distinct inputs.
 *
 * <p>A name is made of parts (an MLService's name and namespace; a GPU product and a leaf). When every part is
 * <em>plain</em> (lower-case letters, digits and inner dashes, as most Kubernetes names are) and the parts joined by
 * dots fit in 63 characters, the name is exactly that join: {@code llm-serve.ml}. Plain parts hold no dot, so the join
 * gives the parts back. Otherwise the name is a readable slug, cut to fit, then {@code _} and 10 hex digits of a
 * SHA-256 of the parts: no plain join holds {@code _}, so the two forms never meet, and two hashed names are equal only
 * when the 40-bit hashes of different parts are (one chance in about 10^12 per pair). Backstage compares names without
 * regard to case; these are all lower case.
 */
public final class EntityNames {
  /** Backstage's longest entity name (and namespace). */
  public static final int MAX_LENGTH = 63;
  /** Hex digits of the hash that makes a derived name distinct. */
  static final int HASH_DIGITS = 10;

  /** {@code KubernetesValidatorFunctions.isValidObjectName}: an entity name or label value. */
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  /** {@code CommonValidatorFunctions.isValidDnsLabel}: an entity namespace. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]+(?:-+[a-z0-9]+)*");
  /** A part that may appear in a name as it is. */
  private static final Pattern PLAIN = Pattern.compile("[a-z0-9]+(?:-+[a-z0-9]+)*");

  private EntityNames() {}

  /** True when Backstage accepts {@code value} as {@code metadata.name}. */
  public static boolean isValidName(String value) {
    return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && NAME.matcher(value).matches();
  }

  /** True when Backstage accepts {@code value} as {@code metadata.namespace}. */
  public static boolean isValidNamespace(String value) {
    return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && DNS_LABEL.matcher(value).matches();
  }

  /**
   * The entity name of these parts (see the class comment); {@code readable} is what the slug of a hashed name is made
   * from (the parts as a person would read them, e.g. {@code llm-serve.ml}).
   */
  public static String of(List<String> parts, String readable) {
    boolean plain = true;
    for (String p : parts) {
      plain &= p != null && PLAIN.matcher(p).matches();
    }
    if (plain) {
      String joined = String.join(".", parts);
      if (joined.length() <= MAX_LENGTH) {
        return joined;
      }
    }
    String slug = slug(readable, MAX_LENGTH - 1 - HASH_DIGITS);
    return (slug.isEmpty() ? "x" : slug) + "_" + hash(parts);
  }

  /** Lower-case ASCII letters and digits of {@code text}, every other run of characters one dash, at most {@code max}. */
  static String slug(String text, int max) {
    StringBuilder out = new StringBuilder(Math.min(max, text.length()));
    boolean dash = false;
    for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        if (dash && out.length() > 0) {
          out.append('-');
        }
        dash = false;
        out.append(c);
      } else {
        dash = true;
      }
      if (out.length() >= max) {
        break;
      }
    }
    if (out.length() > max) {
      out.setLength(max);
    }
    while (out.length() > 0 && out.charAt(out.length() - 1) == '-') {
      out.setLength(out.length() - 1);
    }
    return out.toString();
  }

  /**
   * The first {@link #HASH_DIGITS} hex digits of SHA-256 over the parts, each as UTF-16 (every Java string, a lone
   * surrogate too, has its own bytes) prefixed by its byte count (so the parts cannot run into each other).
   */
  static String hash(List<String> parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        String text = p == null ? "" : p;
        byte[] bytes = new byte[2 * text.length()]; // UTF-16BE by hand: String.getBytes replaces lone surrogates
        for (int i = 0; i < text.length(); i++) {
          bytes[2 * i] = (byte) (text.charAt(i) >> 8);
          bytes[2 * i + 1] = (byte) text.charAt(i);
        }
        sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, HASH_DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
