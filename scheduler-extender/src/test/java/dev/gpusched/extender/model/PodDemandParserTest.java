package dev.gpusched.extender.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.extender.it.Standalone;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodDemandParserTest {
  @Test
  void readsResourcesAndAnnotations() {
    Pod p = Standalone.gpuPod("ml", "p", 2, Map.of("gpusched.dev/gpu-memory", "20Gi", "gpusched.dev/intra-node", "nvlink",
        "gpusched.dev/placement", "spread", "gpusched.dev/gpu-model", "H100|a100"));
    PodDemand d = PodDemandParser.parse(p);
    assertThat(d.gpus()).isEqualTo(2);
    assertThat(d.memoryMiB()).isEqualTo(20480);
    assertThat(d.intraNode()).isEqualTo(dev.gpusched.topology.IntraNodePolicy.NVLINK);
    assertThat(d.placement()).isEqualTo(Placement.SPREAD);
    assertThat(d.allowedModels()).containsExactly("h100", "a100");
  }

  @Test
  void ownerAnnotationsFillWhatThePodLacks() {
    Pod p = Standalone.gpuPod("ml", "p", 1, Map.of("gpusched.dev/intra-node", "any"));
    PodDemand d = PodDemandParser.parse(p, Map.of("gpusched.dev/intra-node", "nvlink", "gpusched.dev/gpu-memory", "1Gi"));
    assertThat(d.intraNode()).isEqualTo(dev.gpusched.topology.IntraNodePolicy.ANY);
    assertThat(d.memoryMiB()).isEqualTo(1024);
  }

  @Test
  void sharedPodsAndTheirLimits() {
    assertThat(PodDemandParser.parse(Standalone.sharedPod("ml", "s", 250, Map.of())).milli()).isEqualTo(250);
    assertThatThrownBy(() -> PodDemandParser.parse(Standalone.sharedPod("ml", "s", 1500, Map.of())))
        .hasMessageContaining("is more than 1000 thousandths of one GPU").hasMessageContaining("nvidia.com/gpu instead");
  }

  @Test
  void memoryQuantities() {
    assertThat(PodDemandParser.parseMemoryMiB("16384Mi")).isEqualTo(16384);
    assertThat(PodDemandParser.parseMemoryMiB("1G")).isEqualTo(954); // 10^9 bytes, rounded up to MiB
    assertThatThrownBy(() -> PodDemandParser.parseMemoryMiB("-1Gi")).hasMessageContaining("must be more than zero");
    assertThatThrownBy(() -> PodDemandParser.parseMemoryMiB("twenty")).hasMessageContaining("write GPU memory like 20Gi");
  }
}
