package dev.gpusched.deploy.kro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The validation rules of the CRD kro generates for MLService, evaluated with CEL-Java as the API server evaluates
 * {@code x-kubernetes-validations} on an update ({@code self} the new value, {@code oldSelf} the stored one): a change
 * of {@code mode} or {@code gang} is refused with "field is immutable", which the API server reports under the field's
 * path ({@code spec.mode}); every other field may change. (The test kube-apiserver, v1.24.0-alpha.0, predates
 * transition rules, so it cannot run them itself.)
 */
class MlServiceSchemaRulesTest {
  private static final Map<String, Object> RGD = Yaml.readOne(ProjectPaths.deploy().resolve("kro/mlservice-rgd.yaml"));
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .addVar("self", SimpleType.DYN).addVar("oldSelf", SimpleType.DYN).build();

  private static boolean allows(String rule, Object oldValue, Object newValue) throws Exception {
    return (Boolean) CEL.createProgram(CEL.compile(rule).getAst()).eval(Map.of("self", newValue, "oldSelf", oldValue));
  }

  @Test
  void modeAndGangAreImmutableAndNothingElseIs() {
    Map<String, Object> crd = InstanceCrd.of(RGD, new RgdRenderer(RGD).schema());
    Object schema = Yaml.at(Yaml.asMap(((List<?>) Yaml.at(crd, "spec.versions")).get(0)), "schema.openAPIV3Schema");
    assertThat(InstanceCrd.removeValidationRules(schema, "")).containsExactly(
        "spec.mode: self == oldSelf (field is immutable)", "spec.gang: self == oldSelf (field is immutable)");
  }

  @Test
  void aModeOrGangChangeBreaksTheRuleAndAnUnchangedValueKeepsIt() throws Exception {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rules = (List<Map<String, Object>>) Yaml.at(
        new RgdRenderer(RGD).schema().openApi(), "properties.mode.x-kubernetes-validations");
    String rule = (String) rules.get(0).get("rule");
    assertThat(rules.get(0).get("message")).isEqualTo("field is immutable");
    assertThat(allows(rule, "serve", "train")).isFalse();
    assertThat(allows(rule, "train", "serve")).isFalse();
    assertThat(allows(rule, "serve", "serve")).isTrue();
    assertThat(allows(rule, false, true)).isFalse(); // gang carries the same rule
    assertThat(allows(rule, true, true)).isTrue();
  }
}
