package dev.gpusched.deploy.kro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits kro template strings into literal text and {@code ${...}} CEL expressions, as kro does: a string that is
 * exactly one expression takes the expression's value and type; any other mix is string interpolation.
 */
public final class KroTemplate {
  /** One piece of a template string: literal text, or the source of one CEL expression. */
  public record Segment(boolean expression, String text) {}

  private KroTemplate() {}

  /** The segments of one string; throws when a {@code ${} is never closed. */
  public static List<Segment> segments(String value) {
    List<Segment> segments = new ArrayList<>();
    int i = 0;
    StringBuilder literal = new StringBuilder();
    while (i < value.length()) {
      int start = value.indexOf("${", i);
      if (start < 0) {
        literal.append(value, i, value.length());
        break;
      }
      literal.append(value, i, start);
      int end = closingBrace(value, start + 2);
      if (end < 0) {
        throw new IllegalArgumentException("unclosed ${ at column " + (start + 1) + " of: " + value);
      }
      if (literal.length() > 0) {
        segments.add(new Segment(false, literal.toString()));
        literal.setLength(0);
      }
      segments.add(new Segment(true, value.substring(start + 2, end).trim()));
      i = end + 1;
    }
    if (literal.length() > 0) {
      segments.add(new Segment(false, literal.toString()));
    }
    return segments;
  }

  /** Whether a string holds at least one expression. */
  public static boolean hasExpression(String value) {
    return value.contains("${");
  }

  /** Every expression in a YAML tree (strings in values; keys are not templated), in document order. */
  public static List<String> expressionsIn(Object tree) {
    List<String> found = new ArrayList<>();
    collect(tree, found);
    return found;
  }

  private static void collect(Object node, List<String> found) {
    if (node instanceof Map<?, ?> map) {
      for (Object value : map.values()) {
        collect(value, found);
      }
    } else if (node instanceof List<?> list) {
      for (Object value : list) {
        collect(value, found);
      }
    } else if (node instanceof String s && hasExpression(s)) {
      for (Segment segment : segments(s)) {
        if (segment.expression()) {
          found.add(segment.text());
        }
      }
    }
  }

  /**
   * Index of the brace closing an expression that starts at {@code from}, found as kro finds it: braces of map
   * literals nest, braces inside double-quoted string literals do not count (kro does not treat single quotes as
   * string delimiters, so expressions here use double quotes only).
   */
  private static int closingBrace(String s, int from) {
    int depth = 0;
    boolean inString = false;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
      }
    }
    return -1;
  }
}
