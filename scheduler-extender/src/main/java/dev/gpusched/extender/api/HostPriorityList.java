package dev.gpusched.extender.api;

import java.io.ByteArrayOutputStream;
import java.util.List;
import tools.jackson.core.JsonGenerator;

/**
 * {@code HostPriorityList}, prioritize's answer: {@code [{"Host": name, "Score": n}, ...]} in candidate order. It is
 * written straight to JSON bytes: as a tree, 5,000 candidates would be 5,000 objects built and walked per request.
 *
 * @param hosts  the candidate names, in request order
 * @param scores the score of each, by position (0..10)
 */
public record HostPriorityList(List<String> hosts, int[] scores) {
  public HostPriorityList {
    if (hosts.size() != scores.length) {
      throw new IllegalArgumentException(hosts.size() + " hosts but " + scores.length + " scores");
    }
  }

  /** The JSON body. */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 + hosts.size() * 40);
    try (JsonGenerator g = WireJson.generator(out)) {
      g.writeStartArray();
      for (int i = 0; i < scores.length; i++) {
        g.writeStartObject();
        g.writeStringProperty("Host", hosts.get(i));
        g.writeNumberProperty("Score", scores[i]);
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    return out.toByteArray();
  }
}
