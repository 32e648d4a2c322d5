package dev.gpusched.extender.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster files ({@code serve --cluster-file}, {@code simulate --cluster-file}) as generators write them. */
class ClusterFileTest {
  @TempDir Path dir;

  @Test
  void aliasesAsPyYamlWritesThemAreResolvedBeyondTheParsersDefaultLimitOf50() throws Exception {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
    for (int i = 0; i < 200; i++) {
      yaml.append("- apiVersion: v1\n  kind: Pod\n  metadata: {name: p").append(i).append(", namespace: ml}\n")
          .append("  spec:\n    containers:\n    - name: main\n      image: x\n      resources:\n")
          .append("        limits: &id").append(i).append(" {nvidia.com/gpu: '2'}\n        requests: *id").append(i)
          .append('\n');
    }
    List<HasMetadata> objects = EmbeddedApiServer.readClusterFile(Files.writeString(dir.resolve("c.yaml"), yaml));
    assertThat(objects).hasSize(200).allSatisfy(o -> assertThat(((Pod) o).getSpec().getContainers().get(0)
        .getResources().getRequests().get("nvidia.com/gpu").getAmount()).isEqualTo("2"));
  }

  @Test
  void multiDocumentFilesStillWorkAndOtherKindsAreRefusedByName() throws Exception {
    Path multi = Files.writeString(dir.resolve("m.yaml"), "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
        + "apiVersion: v1\nkind: Pod\nmetadata: {name: p1}\nspec: {containers: [{name: c, image: x}]}\n");
    assertThat(EmbeddedApiServer.readClusterFile(multi)).extracting(HasMetadata::getKind).containsExactly("Node", "Pod");
    Path secret = Files.writeString(dir.resolve("s.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
    assertThatThrownBy(() -> EmbeddedApiServer.readClusterFile(secret)).hasMessageContaining("holds a Secret");
    Path broken = Files.writeString(dir.resolve("b.yaml"), "kind: [unclosed\n");
    assertThatThrownBy(() -> EmbeddedApiServer.readClusterFile(broken)).hasMessageContaining("is not Kubernetes YAML");
  }
}
