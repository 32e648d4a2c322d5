package dev.gpusched.extender.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExtenderArgsTest {
  private static final String POD = "\"Pod\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"ml\"}}";

  private static ExtenderArgs decode(String json) {
    return ExtenderArgs.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void namesModeKeepsTheRequestOrderWhereverTheMembersAre() {
    ExtenderArgs a = decode("{\"NodeNames\":[\"n2\",\"n1\"],\"Nodes\":null,\"Extra\":{\"x\":[1,{}]}," + POD + "}");
    assertThat(a.namesMode()).isTrue();
    assertThat(a.candidateNames()).containsExactly("n2", "n1");
    assertThat(a.pod().getMetadata().getName()).isEqualTo("p");
  }

  @Test
  void nodesModeReadsTheNamesOfTheItems() {
    ExtenderArgs a = decode("{" + POD + ",\"NodeNames\":null,\"Nodes\":{\"items\":[{\"metadata\":{\"name\":\"a\"}}]}}");
    assertThat(a.namesMode()).isFalse();
    assertThat(a.candidateNames()).containsExactly("a");
    assertThat(a.nodeItems()).hasSize(1);
  }

  @Test
  void wrongMembersSayWhatIsWrongAndWhatIsExpected() {
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":\"n1\"}"))
        .hasMessage("\"NodeNames\" must be an array of node names, got string");
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":[\"n1\",7]}"))
        .hasMessage("\"NodeNames\" must hold non-empty strings, found number");
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":[\"\"]}"))
        .hasMessage("\"NodeNames\" must hold non-empty strings, found string");
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":[[\"n1\"]]}"))
        .hasMessage("\"NodeNames\" must hold non-empty strings, found array");
    assertThatThrownBy(() -> decode("{" + POD + "}")).hasMessageStartingWith("neither \"NodeNames\" nor \"Nodes\" is set");
    assertThatThrownBy(() -> decode("{\"NodeNames\":[\"n1\"]}")).hasMessageStartingWith("missing \"Pod\"");
    assertThatThrownBy(() -> decode("[1]")).hasMessage("expected a JSON object (ExtenderArgs with Pod and Nodes or NodeNames), got array");
    assertThatThrownBy(() -> decode("")).hasMessageStartingWith("empty body");
  }

  @Test
  void tooManyCandidatesAreRefused() {
    StringBuilder b = new StringBuilder("{" + POD + ",\"NodeNames\":[");
    for (int i = 0; i <= ExtenderArgs.MAX_NODES; i++) {
      b.append(i == 0 ? "" : ",").append("\"n").append(i).append('"');
    }
    String json = b.append("]}").toString();
    assertThatThrownBy(() -> decode(json)).hasMessage("50001 candidate nodes is more than gpusched accepts (50000)");
  }

  @Test
  void aMalformedDocumentIsReportedAsSuchEvenAfterAWrongMember() {
    assertThatThrownBy(() -> decode("{\"NodeNames\":\"n1\",\"Pod\":{")).hasMessageStartingWith("malformed JSON")
        .hasMessageContaining("expected a JSON object");
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":[\"n1\"]} {}")).hasMessageStartingWith("malformed JSON");
    assertThatThrownBy(() -> decode("[1] 2")).hasMessageStartingWith("malformed JSON");
    assertThatThrownBy(() -> decode("{" + POD + ",\"NodeNames\":[\"a\"],\"NodeNames\":[\"b\"]}"))
        .hasMessageStartingWith("malformed JSON").hasMessageContaining("NodeNames");
  }
}
