package dev.gpusched.extender.dcgm;

import dev.gpusched.extender.dcgm.DcgmQueryException.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the four DCGM metrics from dcgm-exporter's own text exposition ({@code name{label="v",...} value [ts]}), for
 * the direct-scrape fallback. Pure; hand-written because no Java library parses this format.
 *
 * <p>Handles comments, blank lines, optional timestamps, and the escapes {@code \\}, {@code \"}, {@code \n} in label
 * values. Lines of other metrics are skipped without parsing their labels. A malformed line of one of the four
 * metrics is noted (with its line number) and skipped; a body with malformed lines and no usable sample fails.
 */
final class DcgmTextParser {

  private DcgmTextParser() {}

  /**
   * Adds every sample of the four metrics in {@code body} to {@code builder}.
   *
   * @param source names the body in messages (e.g. the URL)
   * @return the number of samples added
   * @throws DcgmQueryException when there were malformed lines and nothing usable (not the exposition format)
   */
  static int parseInto(TelemetryBuilder builder, String body, String source) throws DcgmQueryException {
    int added = 0;
    int lineNo = 0;
    String firstBad = null;
    int pos = 0;
    int length = body.length();
    while (pos < length) {
      int end = body.indexOf('\n', pos);
      if (end < 0) {
        end = length;
      }
      String line = body.substring(pos, end);
      pos = end + 1;
      lineNo++;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.charAt(0) == '#') {
        continue;
      }
      int nameEnd = 0;
      while (nameEnd < trimmed.length() && isNameChar(trimmed.charAt(nameEnd), nameEnd == 0)) {
        nameEnd++;
      }
      if (nameEnd == 0) {
        String message = source + " line " + lineNo + ": expected a metric name, found '" + clip(trimmed) + "'";
        firstBad = firstBad == null ? message : firstBad;
        continue;
      }
      DcgmMetric metric = DcgmMetric.byName(trimmed.substring(0, nameEnd));
      if (metric == null) {
        continue;
      }
      String where = source + " line " + lineNo;
      try {
        Map<String, String> labels = new HashMap<>();
        int i = nameEnd;
        if (i < trimmed.length() && trimmed.charAt(i) == '{') {
          i = parseLabels(trimmed, i + 1, labels);
        }
        if (i >= trimmed.length() || !Character.isWhitespace(trimmed.charAt(i))) {
          throw new IllegalArgumentException("expected a space and a value after the "
              + (labels.isEmpty() ? "name" : "labels"));
        }
        String rest = trimmed.substring(i).strip();
        int space = indexOfWhitespace(rest);
        String value = space < 0 ? rest : rest.substring(0, space);
        if (space >= 0) {
          String timestamp = rest.substring(space).strip();
          if (!timestamp.matches("-?[0-9]+")) {
            throw new IllegalArgumentException("expected an integer timestamp after the value, found '"
                + timestamp + "'");
          }
        }
        builder.add(metric, labels, value, where);
        added++;
      } catch (IllegalArgumentException e) {
        String message = where + ": " + e.getMessage() + " in '" + clip(trimmed) + "'";
        builder.problem(message);
        firstBad = firstBad == null ? message : firstBad;
      }
    }
    if (added == 0 && firstBad != null) {
      throw new DcgmQueryException(Kind.MALFORMED, "no DCGM sample could be read from " + source
          + " (is it dcgm-exporter's /metrics?); first problem: " + firstBad);
    }
    return added;
  }

  /** Parses {@code a="x",b="y"}} from {@code start} (just after '{'); returns the index after '}'. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int i = start;
    int n = line.length();
    while (true) {
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      if (i < n && line.charAt(i) == '}') {
        return i + 1;
      }
      int nameStart = i;
      while (i < n && isNameChar(line.charAt(i), i == nameStart) && line.charAt(i) != ':') {
        i++;
      }
      if (i == nameStart) {
        throw new IllegalArgumentException("expected a label name at column " + (i + 1));
      }
      String name = line.substring(nameStart, i);
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      if (i + 1 >= n || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
        throw new IllegalArgumentException("expected =\" after label " + name);
      }
      i += 2;
      StringBuilder value = new StringBuilder();
      while (true) {
        if (i >= n) {
          throw new IllegalArgumentException("label " + name + " has no closing quote");
        }
        char c = line.charAt(i++);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          if (i >= n) {
            throw new IllegalArgumentException("label " + name + " ends in a lone backslash");
          }
          char e = line.charAt(i++);
          switch (e) {
            case '\\':
              value.append('\\');
              break;
            case '"':
              value.append('"');
              break;
            case 'n':
              value.append('\n');
              break;
            default:
              throw new IllegalArgumentException("label " + name + " has unknown escape \\" + e
                  + " (allowed: \\\\, \\\", \\n)");
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(name, value.toString()) != null) {
        throw new IllegalArgumentException("label " + name + " appears twice");
      }
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      if (i < n && line.charAt(i) == ',') {
        i++;
      } else if (i < n && line.charAt(i) == '}') {
        return i + 1;
      } else {
        throw new IllegalArgumentException("expected ',' or '}' after label " + name);
      }
    }
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
  }

  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static String clip(String line) {
    return line.length() <= 160 ? line : line.substring(0, 160) + "...";
  }
}
