package dev.gpusched.extender.state;

import dev.gpusched.extender.kube.KubeRecords;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.CpuView;
import dev.gpusched.extender.decide.LedgerCpuView;
import dev.gpusched.extender.it.Standalone;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ledger counts the CPU of every pod bound to a node, GPU or not, for the fragmentation score's CPU view. */
class LedgerCpuTest {
  private static Pod withCpu(Pod pod, String cpu, String node) {
    pod.getMetadata().setUid("uid-" + pod.getMetadata().getName());
    pod.getSpec().getContainers().get(0).getResources().getRequests().put("cpu", new Quantity(cpu));
    pod.getSpec().setNodeName(node);
    pod.getStatus().setPhase("Running");
    return pod;
  }

  @Test
  void cpuOfBoundPodsIsSubtractedFromAllocatableUntilTheyEnd() {
    var node = Standalone.gpuNode("n", 8, "H100");
    node.getStatus().getAllocatable().put("cpu", new Quantity("64"));
    Ledger ledger = new Ledger();
    ledger.upsertNode(KubeRecords.nodeInfo(node));
    Pod gpuPod = withCpu(Standalone.gpuPod("ml", "g", 2, Map.of()), "8", "n");
    Pod cpuOnly = withCpu(Standalone.gpuPod("ml", "c", 0, Map.of()), "1500m", "n");
    ledger.upsertPod(KubeRecords.podRecord(gpuPod));
    ledger.upsertPod(KubeRecords.podRecord(cpuOnly));
    CpuView view = new LedgerCpuView();
    assertThat(view.nodeCpuLeftMilli(ledger.currentNode("n"))).isEqualTo(64_000 - 8_000 - 1_500);

    cpuOnly.getStatus().setPhase("Succeeded");
    ledger.upsertPod(KubeRecords.podRecord(cpuOnly));
    assertThat(view.nodeCpuLeftMilli(ledger.currentNode("n"))).isEqualTo(64_000 - 8_000);
    ledger.removePod("uid-g");
    assertThat(view.nodeCpuLeftMilli(ledger.currentNode("n"))).isEqualTo(64_000);
    assertThat(dev.gpusched.extender.model.PodDemandParser.parse(gpuPod).cpuMilli()).as("the pod's own request").isEqualTo(8_000);
  }
}
