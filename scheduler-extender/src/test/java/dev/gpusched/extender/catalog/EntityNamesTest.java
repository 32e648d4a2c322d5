package dev.gpusched.extender.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Entity names from Kubernetes names: exact where Backstage allows, else a slug and a hash; never invalid or shared. */
class EntityNamesTest {

  @Test
  void plainKubernetesNamesAreJoinedByDotsUnchanged() {
    assertThat(EntityNames.of(List.of("llm-serve", "ml"), "llm-serve.ml")).isEqualTo("llm-serve.ml");
    assertThat(EntityNames.of(List.of("nvidia-h100-80gb-hbm3", "leaf-1"), "")).isEqualTo("nvidia-h100-80gb-hbm3.leaf-1");
    assertThat(EntityNames.of(List.of("nvidia-l40s"), "")).isEqualTo("nvidia-l40s");
  }

  @Test
  void anythingElseIsASlugAndTenHexDigitsOfSha256OfTheParts() {
    // sha256 of "14:" + "bert.v2" in UTF-16BE + "4:" + "ml" in UTF-16BE starts 2d3e666c32 (Python's hashlib).
    assertThat(EntityNames.of(List.of("bert.v2", "ml"), "bert.v2.ml")).isEqualTo("bert-v2-ml_2d3e666c32");
    // Upper case is not plain: Backstage compares names without case, Kubernetes label values with it.
    assertThat(EntityNames.of(List.of("LLM-Serve", "ml"), "LLM-Serve.ml")).isEqualTo("llm-serve-ml_36f63938b4");
    assertThat(EntityNames.of(List.of("模型", "ml"), "模型.ml")).isEqualTo("ml_09179c36d8");
    assertThat(EntityNames.of(List.of(""), "")).isEqualTo("x_ba768b331f");
  }

  @Test
  void aNameTooLongIsCutToSixtyThreeWithItsHash() {
    String longName = "a".repeat(240) + "-model"; // 246 characters, a valid Kubernetes name
    String name = EntityNames.of(List.of(longName, "ml"), longName + ".ml");
    assertThat(name).hasSize(63).startsWith("a".repeat(52) + "_").matches(".*_[0-9a-f]{10}");
    assertThat(EntityNames.isValidName(name)).isTrue();
    assertThat(EntityNames.of(List.of("a".repeat(30), "b".repeat(32)), "")).hasSize(63).doesNotContain("_");
    assertThat(EntityNames.of(List.of("a".repeat(31), "b".repeat(32)), "a".repeat(31) + "." + "b".repeat(32)))
        .isEqualTo("a".repeat(31) + "-" + "b".repeat(20) + "_" + EntityNames.hash(List.of("a".repeat(31), "b".repeat(32))));
  }

  @Test
  void namesThatMeetAfterNormalisingStayApart() {
    List<List<String>> meeting = List.of(List.of("a", "b"), List.of("A", "b"), List.of("a.b"), List.of("a-b"),
        List.of("a_b"), List.of("a", "b."), List.of("a b"), List.of("a\u0000b"), List.of("a", "b", ""), List.of("ab"));
    Map<String, List<String>> seen = new HashMap<>();
    for (List<String> parts : meeting) {
      String name = EntityNames.of(parts, String.join(".", parts));
      assertThat(EntityNames.isValidName(name)).as(name).isTrue();
      assertThat(seen.put(name, parts)).as(name + " for " + parts).isNull();
    }
  }

  @Test
  void backstagesRulesAsItsValidatorsStateThem() {
    assertThat(List.of("a", "A", "a-b", "a_b", "a.b", "0", "x".repeat(63))).allMatch(EntityNames::isValidName);
    assertThat(List.of("", "-a", "a-", "_a", "a.", "a b", "é", "x".repeat(64))).noneMatch(EntityNames::isValidName);
    assertThat(List.of("default", "gpu-prod", "a--b", "0")).allMatch(EntityNames::isValidNamespace);
    assertThat(List.of("Default", "gpu_prod", "a.b", "-a", "", "x".repeat(64))).noneMatch(EntityNames::isValidNamespace);
  }

  @Test
  void tenThousandHostileNamesGiveValidDistinctNames() {
    Random random = new Random(23);
    String alphabet = "aA-._/: 0Zz\u00e9\u6a21\u0130\uD83D\uDE80";
    Map<String, List<String>> seen = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      List<String> parts = new ArrayList<>();
      for (int p = 0; p < 1 + random.nextInt(2); p++) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(4) == 0 ? 200 + random.nextInt(100) : random.nextInt(12);
        for (int c = 0; c < length; c++) {
          s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        parts.add(s.toString());
      }
      String name = EntityNames.of(parts, String.join(".", parts));
      assertThat(EntityNames.isValidName(name)).as("%s from %s", name, parts).isTrue();
      List<String> before = seen.putIfAbsent(name, parts);
      assertThat(before == null || before.equals(parts)).as("%s from %s and %s", name, before, parts).isTrue();
    }
  }
}
