package dev.gpusched.extender.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class HostPriorityListTest {
  @Test
  void writesWhatTheTreeWouldInCandidateOrder() {
    List<String> hosts = List.of("gpu-node-b", "gpu-node-a", "node \"quoted\" \\ ü");
    int[] scores = {10, 0, 7};
    ArrayNode tree = WireJson.array();
    for (int i = 0; i < hosts.size(); i++) {
      ObjectNode hp = tree.addObject();
      hp.put("Host", hosts.get(i));
      hp.put("Score", scores[i]);
    }
    byte[] streamed = new HostPriorityList(hosts, scores).toJson();
    assertThat(streamed).isEqualTo(WireJson.write(tree));
    JsonNode back = WireJson.parseObject(("{\"list\":" + new String(streamed, java.nio.charset.StandardCharsets.UTF_8)
        + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "test").get("list");
    assertThat(back.get(2).get("Host").asString()).isEqualTo("node \"quoted\" \\ ü");
  }

  @Test
  void anEmptyListIsAnEmptyArray() {
    assertThat(new String(new HostPriorityList(List.of(), new int[0]).toJson(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("[]");
  }

  @Test
  void hostsAndScoresMustPair() {
    assertThatThrownBy(() -> new HostPriorityList(List.of("a", "b"), new int[1])).hasMessageContaining("2 hosts but 1 scores");
  }
}
