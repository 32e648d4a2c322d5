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

/** A failing API call during bind rolls the ledger back and says why. */
class BindRollbackTest {
  @Test
  void bindingFailureReleasesTheGpusAndRemovesTheAnnotation() throws Exception {
    List<String> calls = new ArrayList<>();
    ClusterWriter failing = new ClusterWriter() {
      @Override
      public void writeGpuIds(String ns, String name, String uid, String ids) {
        calls.add("annotate " + ids);
      }

      @Override
      public void clearGpuIds(String ns, String name, String uid) {
        calls.add("clear");
      }

      @Override
      public void bind(String ns, String name, String uid, String node) {
        throw new IllegalStateException("Failure executing: POST bindings. Message: etcd timeout");
      }
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
      assertThat(outcome.error()).contains("failed while creating the Binding").contains("etcd timeout").contains("GPUs released");
      assertThat(calls).containsExactly("annotate 0,1", "clear");
      assertThat(state.snapshot().node("node-a").freeWholeCount()).isEqualTo(4);
    }
  }
}
