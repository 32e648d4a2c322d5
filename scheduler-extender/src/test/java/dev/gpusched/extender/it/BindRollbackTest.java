package dev.gpusched.extender.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.api.BindingArgs;
import dev.gpusched.extender.bind.Binder;
import dev.gpusched.extender.bind.ClusterWriter;
import dev.gpusched.extender.decide.DecisionPipeline;
import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.extender.state.ClusterState;
import dev.gpusched.extender.testing.FixedPods;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A refused Binding (the one write of a bind) releases the GPUs the ledger held for it and says why. */
class BindRollbackTest {
  @Test
  void aRefusedBindingReleasesTheGpusAndMakesNoOtherWrite() throws Exception {
    List<String> calls = new ArrayList<>();
    ClusterWriter failing = (ns, name, uid, node, gpuIds) -> {
      calls.add("bind " + node + " " + gpuIds);
      throw new IllegalStateException("Failure executing: POST bindings. Message: etcd timeout");
    };
    Pod pod = Standalone.gpuPod("ml", "p", 2, Map.of());
    pod.getMetadata().setUid("uid-p");
    try (ClusterState state = new ClusterState()) {
      state.submit(l -> l.upsertNode(KubeRecords.nodeInfo(Standalone.gpuNode("node-a", 4, "X"))));
      state.markSynced();
      state.apply(l -> null).join();
      Binder binder = new Binder(state, DecisionPipeline.standard(), failing, new FixedPods(pod));
      Binder.Outcome outcome = binder.bind(new BindingArgs("p", "ml", "uid-p", "node-a"));
      assertThat(outcome.ok()).isFalse();
      assertThat(outcome.error()).isEqualTo("bind of ml/p to node-a failed: Failure executing: POST bindings. Message: "
          + "etcd timeout; GPUs released");
      assertThat(calls).containsExactly("bind node-a 0,1");
      assertThat(state.snapshot().node("node-a").freeWholeCount()).isEqualTo(4);
      assertThat(state.apply(l -> l.assumedPod("uid-p")).join()).as("no hold left in the ledger").isNull();
    }
  }
}
