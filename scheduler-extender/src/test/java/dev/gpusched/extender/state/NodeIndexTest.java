package dev.gpusched.extender.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodeIndexTest {
  @Test
  void findsEveryNameAtItsPositionAndNothingElse() {
    String[] names = new String[5000];
    for (int i = 0; i < names.length; i++) {
      names[i] = "gpu-node-" + i;
    }
    NodeIndex index = NodeIndex.of(names);
    assertThat(index.size()).isEqualTo(5000);
    for (int i = 0; i < names.length; i++) {
      assertThat(index.indexOf(new String(names[i]))).isEqualTo(i);
    }
    assertThat(index.indexOf("gpu-node-5000")).isEqualTo(-1);
    assertThat(index.indexOf("")).isEqualTo(-1);
    assertThat(NodeIndex.EMPTY.indexOf("a")).isEqualTo(-1);
  }

  @Test
  void tellsApartNamesWithEqualHashCodes() {
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
    NodeIndex index = NodeIndex.of(new String[] {"Aa", "x"});
    assertThat(index.indexOf("Aa")).isEqualTo(0);
    assertThat(index.indexOf("BB")).isEqualTo(-1);
    NodeIndex both = NodeIndex.of(new String[] {"BB", "Aa", "AaBB", "BBAa"});
    assertThat(both.indexOf("Aa")).isEqualTo(1);
    assertThat(both.indexOf("BB")).isEqualTo(0);
    assertThat(both.indexOf("BBAa")).isEqualTo(3);
    assertThat(both.indexOf("AaAa")).isEqualTo(-1);
  }

  @Test
  void refusesADuplicateName() {
    assertThatThrownBy(() -> NodeIndex.of(new String[] {"n1", "n2", "n1"}))
        .hasMessageContaining("node name n1 appears twice");
  }
}
