package dev.gpusched.extender.api;

import java.io.ByteArrayOutputStream;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * {@code ExtenderFilterResult}, filter's answer: the candidates that passed in the request's own form ({@code NodeNames},
 * or the {@code Nodes} items echoed unchanged), {@code FailedNodes} with the reason of each other candidate, and
 * {@code Error}. Written straight to JSON bytes: as a tree, 5,000 candidates would be 5,000 nodes built and walked.
 *
 * @param args    the request (its mode, names and items)
 * @param passed  by candidate position; null with an error (nothing passes)
 * @param reasons by candidate position, why it failed (null where it passed, or where no reason is given)
 * @param error   the whole call's failure ("" when it did not fail): kube-scheduler then retries the pod
 */
public record FilterResult(ExtenderArgs args, boolean[] passed, String[] reasons, String error) {

  /** The answer that fails the whole call. */
  public static FilterResult error(String message) {
    return new FilterResult(null, null, null, message);
  }

  /** Every candidate passes. */
  public static FilterResult passAll(ExtenderArgs args) {
    boolean[] all = new boolean[args.candidateNames().size()];
    java.util.Arrays.fill(all, true);
    return new FilterResult(args, all, new String[all.length], "");
  }

  /** True when the call failed as a whole. */
  public boolean failed() {
    return !error.isEmpty();
  }

  /** The JSON body. */
  public byte[] toJson() {
    int n = passed == null ? 0 : passed.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + n * 24);
    try (JsonGenerator g = WireJson.generator(out)) {
      g.writeStartObject();
      if (passed == null) {
        g.writeNullProperty("Nodes");
        g.writeNullProperty("NodeNames");
      } else if (args.namesMode()) {
        g.writeNullProperty("Nodes");
        g.writeName("NodeNames");
        g.writeStartArray();
        List<String> names = args.nodeNames();
        for (int i = 0; i < n; i++) {
          if (passed[i]) {
            g.writeString(names.get(i));
          }
        }
        g.writeEndArray();
      } else {
        g.writeName("Nodes");
        g.writeStartObject();
        g.writeName("metadata");
        g.writeStartObject();
        g.writeEndObject();
        g.writeName("items");
        g.writeStartArray();
        List<JsonNode> items = args.nodeItems();
        for (int i = 0; i < n; i++) {
          if (passed[i]) {
            g.writeTree(items.get(i));
          }
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeNullProperty("NodeNames");
      }
      g.writeName("FailedNodes");
      g.writeStartObject();
      if (passed != null) {
        List<String> names = args.candidateNames();
        for (int i = 0; i < n; i++) {
          if (!passed[i] && reasons[i] != null) {
            g.writeStringProperty(names.get(i), reasons[i]);
          }
        }
      }
      g.writeEndObject();
      g.writeName("FailedAndUnresolvableNodes");
      g.writeStartObject();
      g.writeEndObject();
      g.writeStringProperty("Error", error);
      g.writeEndObject();
    }
    return out.toByteArray();
  }
}
