package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code kubectl kustomize deploy/} renders (where kubectl is installed) exactly the manifests the kustomization lists. */
class KustomizeTest {
  @Test
  void kustomizeRendersTheListedManifestsUnchanged() {
    Optional<List<Map<String, Object>>> rendered = Manifests.kustomized();
    Assumptions.assumeTrue(rendered.isPresent(), "kubectl is not on PATH: kustomize rendering not checked");
    Map<String, Object> kustomized = Manifests.byKey(rendered.get());
    Map<String, Object> listed = Manifests.byKey(Manifests.listedObjects());
    assertThat(kustomized.keySet()).containsExactlyElementsOf(listed.keySet());
    for (String key : listed.keySet()) {
      assertThat(kustomized.get(key)).as(key).isEqualTo(listed.get(key));
    }
    assertThat(kustomized).hasSizeGreaterThanOrEqualTo(18);
  }
}
