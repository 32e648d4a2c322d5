package dev.gpusched.deploy.promql;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The metric names a PromQL expression selects. A small lexer, not a parser: it drops string literals, label
 * matchers ({...}), ranges and subqueries ([...]), numbers and durations, the label lists of by/without/on/ignoring/
 * group_left/group_right, keywords, and identifiers followed by "(" or, for aggregations, by "by"/"without"
 * (functions and aggregations); every identifier
 * left is a metric name. Throws on unbalanced brackets or an unclosed string.
 */
public final class PromQlMetricNames {
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end");
  private static final Set<String> LABEL_LIST_KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right");

  private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
      "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");

  private PromQlMetricNames() {}

  /** The metric names selected by an expression, in order of first appearance. */
  public static Set<String> of(String expr) {
    Set<String> names = new LinkedHashSet<>();
    int i = 0;
    int n = expr.length();
    boolean skipNextLabelList = false;
    int parens = 0;
    while (i < n) {
      char c = expr.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') { // comment to end of line
        while (i < n && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        i = skipString(expr, i);
      } else if (c == '{') {
        i = skipBalanced(expr, i, '{', '}');
      } else if (c == '[') {
        i = skipBalanced(expr, i, '[', ']');
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
        // numbers, 1e3, 0x1f and durations such as 5m or 1h30m
        while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.'
            || ((expr.charAt(i) == '+' || expr.charAt(i) == '-') && (expr.charAt(i - 1) == 'e' || expr.charAt(i - 1) == 'E')))) {
          i++;
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
          i++;
        }
        String word = expr.substring(start, i);
        int next = i;
        while (next < n && Character.isWhitespace(expr.charAt(next))) {
          next++;
        }
        boolean call = next < n && expr.charAt(next) == '(';
        String lower = word.toLowerCase();
        if (AGGREGATIONS.contains(lower) && (expr.startsWith("by", next) || expr.startsWith("without", next))) {
          call = true; // "sum by (x) (...)": the grouping comes before the parenthesis
        }
        if (LABEL_LIST_KEYWORDS.contains(lower)) {
          skipNextLabelList = true;
          if (call) {
            i = skipBalanced(expr, next, '(', ')');
            skipNextLabelList = false;
          }
        } else if (KEYWORDS.contains(lower) || call) {
          skipNextLabelList = false;
        } else {
          names.add(word);
        }
      } else if (c == '(' && skipNextLabelList) {
        i = skipBalanced(expr, i, '(', ')');
        skipNextLabelList = false;
      } else if (c == '(') {
        parens++;
        i++;
      } else if (c == ')' && parens > 0) {
        parens--;
        i++;
      } else if (c == ')' || c == ']' || c == '}') {
        throw new IllegalArgumentException("unbalanced '" + c + "' at column " + (i + 1) + " of: " + expr);
      } else {
        i++;
      }
    }
    if (parens != 0) {
      throw new IllegalArgumentException(parens + " unclosed '(' in: " + expr);
    }
    return names;
  }

  private static int skipString(String s, int from) {
    char quote = s.charAt(from);
    for (int i = from + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && quote != '`') {
        i++;
      } else if (c == quote) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("unclosed string starting at column " + (from + 1) + " of: " + s);
  }

  private static int skipBalanced(String s, int from, char open, char close) {
    int depth = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(s, i) - 1;
      } else if (c == open) {
        depth++;
      } else if (c == close) {
        depth--;
        if (depth == 0) {
          return i + 1;
        }
      }
    }
    throw new IllegalArgumentException("unclosed '" + open + "' starting at column " + (from + 1) + " of: " + s);
  }
}
