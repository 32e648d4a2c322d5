package dev.gpusched.extender.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class FilterResultTest {
  private static final String POD = "\"Pod\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"ml\"}}";

  private static ExtenderArgs args(String candidates) {
    return ExtenderArgs.decode(("{" + POD + "," + candidates + "}").getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(FilterResult r) {
    return WireJson.parseObject(r.toJson(), "ExtenderFilterResult");
  }

  @Test
  void namesModeListsThePassedNamesAndWhyEachOtherFailed() {
    ExtenderArgs a = args("\"NodeNames\":[\"n1\",\"n2\",\"n3\"]");
    JsonNode out = json(new FilterResult(a, new boolean[] {true, false, true}, new String[] {null, "no \"GPU\" free", null}, ""));
    assertThat(out.get("Nodes").isNull()).isTrue();
    assertThat(out.get("NodeNames").toString()).isEqualTo("[\"n1\",\"n3\"]");
    assertThat(out.get("FailedNodes").toString()).isEqualTo("{\"n2\":\"no \\\"GPU\\\" free\"}");
    assertThat(out.get("FailedAndUnresolvableNodes").isEmpty()).isTrue();
    assertThat(out.get("Error").asString()).isEmpty();
  }

  @Test
  void nodesModeEchoesThePassedItemsUnchanged() {
    String n1 = "{\"metadata\":{\"name\":\"n1\",\"labels\":{\"a\":\"b\"}},\"status\":{\"allocatable\":{\"nvidia.com/gpu\":\"8\"}}}";
    String n2 = "{\"metadata\":{\"name\":\"n2\"}}";
    ExtenderArgs a = args("\"Nodes\":{\"items\":[" + n1 + "," + n2 + "]}");
    JsonNode out = json(new FilterResult(a, new boolean[] {true, false}, new String[] {null, "full"}, ""));
    assertThat(out.get("Nodes").get("items").size()).isEqualTo(1);
    assertThat(out.get("Nodes").get("items").get(0)).isEqualTo(WireJson.parseObject(n1.getBytes(StandardCharsets.UTF_8), "node"));
    assertThat(out.get("NodeNames").isNull()).isTrue();
    assertThat(out.get("FailedNodes").get("n2").asString()).isEqualTo("full");
  }

  @Test
  void anErrorPassesNothingAndPassAllPassesEverything() {
    JsonNode error = json(FilterResult.error("not synced yet"));
    assertThat(error.get("NodeNames").isNull()).isTrue();
    assertThat(error.get("FailedNodes").isEmpty()).isTrue();
    assertThat(error.get("Error").asString()).isEqualTo("not synced yet");
    assertThat(FilterResult.error("x").failed()).isTrue();
    FilterResult all = FilterResult.passAll(args("\"NodeNames\":[\"n1\",\"n2\"]"));
    assertThat(all.failed()).isFalse();
    assertThat(json(all).get("NodeNames").toString()).isEqualTo("[\"n1\",\"n2\"]");
  }
}
