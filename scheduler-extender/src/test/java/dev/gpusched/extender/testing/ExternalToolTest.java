package dev.gpusched.extender.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ExternalToolTest {

  @Test
  void aProgramOnPathIsFound() {
    ExternalTool sh = new ExternalTool("sh", "GPUSCHED_TEST_UNSET_VARIABLE", "apt-get install dash");
    assertThat(sh.find()).hasValueSatisfying(p -> assertThat(p.getFileName().toString()).isEqualTo("sh"));
    assertThat(sh.require()).isEqualTo(sh.find().get());
  }

  @Test
  void aMissingProgramSkipsWithWhatToInstallOrFailsWhereToolsAreRequired() {
    ExternalTool missing = new ExternalTool("gpusched-no-such-tool", "GPUSCHED_TEST_UNSET_VARIABLE", "apt-get install x");
    assertThat(missing.find()).isEmpty();
    Class<? extends Throwable> expected = ExternalTool.required() ? AssertionError.class : TestAbortedException.class;
    assertThatThrownBy(missing::require).isInstanceOf(expected)
        .hasMessageContaining("gpusched-no-such-tool is not on PATH and GPUSCHED_TEST_UNSET_VARIABLE is not set")
        .hasMessageContaining("install it (apt-get install x)");
  }

  @Test
  void toolsAreNamedAsOnPath() {
    assertThat(ExternalTool.named("prometheus")).isSameAs(ExternalTool.PROMETHEUS);
    assertThat(ExternalTool.named("promtool")).isSameAs(ExternalTool.PROMTOOL);
    assertThat(ExternalTool.named("kube-apiserver")).isSameAs(ExternalTool.KUBE_APISERVER);
    assertThat(ExternalTool.named("kube-scheduler")).isSameAs(ExternalTool.KUBE_SCHEDULER);
    assertThat(ExternalTool.KUBE_SCHEDULER.envVar()).isEqualTo("KUBE_SCHEDULER_BIN");
    assertThat(ExternalTool.named("etcd")).isSameAs(ExternalTool.ETCD);
    assertThat(ExternalTool.KUBE_APISERVER.envVar()).isEqualTo("KUBE_APISERVER_BIN");
    assertThat(ExternalTool.ETCD.envVar()).isEqualTo("ETCD_BIN");
    assertThat(ExternalTool.named("skopeo")).isSameAs(ExternalTool.SKOPEO);
    assertThat(ExternalTool.named("node")).isSameAs(ExternalTool.NODE);
    assertThat(ExternalTool.named("npm")).isSameAs(ExternalTool.NPM);
    assertThatThrownBy(() -> ExternalTool.named("grafana"))
        .hasMessageContaining("prometheus, promtool, kube-apiserver, kube-scheduler, etcd, skopeo, node, npm");
  }
}
