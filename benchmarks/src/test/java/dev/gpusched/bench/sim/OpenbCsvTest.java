package dev.gpusched.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpusched.bench.TestData;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class OpenbCsvTest {
  @Test
  void readsTheOpenbTrace() {
    Trace t = OpenbCsv.read(TestData.openbNodes(), TestData.openbPods());
    assertThat(t.nodes()).hasSize(1213);
    assertThat(t.totalGpuMilli()).isEqualTo(6212_000L);
    assertThat(t.pods()).hasSize(8152);
    assertThat(t.pods().get(1)).isEqualTo(new TracePod("openb-pod-0001", 6000, 12288, 1, 460, java.util.List.of()));
    assertThat(t.pods().get(1).isShared()).isTrue();
  }

  @Test
  void gpuSpecIsSplitAtBarsAndLowerCased() {
    Trace t = TinyTraces.parse("n0,8000,1000,1,V100M16\n", "p0,1000,10,1,1000,V100M16|V100M32,LS,Running,0,1,0\n");
    assertThat(t.pods().get(0).allowedModels()).containsExactly("v100m16", "v100m32");
  }

  @Test
  void columnsAreFoundByNameInAnyOrder() throws Exception {
    var nodes = OpenbCsv.parseNodes(new StringReader("model,gpu,sn,memory_mib,cpu_milli\nT4,2,x,100,4000\n"), "n.csv");
    assertThat(nodes).containsExactly(new TraceNode("x", 4000, 100, 2, "T4"));
  }

  @Test
  void badNumberNamesFileLineAndColumn() {
    assertThatThrownBy(() -> TinyTraces.parse("n0,8000,1000,1,T4\n", "p0,1000,10,1,1000,,,,,,\np1,lots,10,1,1000,,,,,,\n"))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage("pods.csv line 3: column cpu_milli is \"lots\"; expected a whole number");
  }

  @Test
  void multiGpuShareIsRejectedWithTheRule() {
    assertThatThrownBy(() -> TinyTraces.parse("n0,8000,1000,1,T4\n", "p0,1000,10,2,500,,,,,,\n"))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("pods.csv line 2: num_gpu is 2 with gpu_milli 500")
        .hasMessageContaining("multi-GPU pods take whole GPUs (gpu_milli 1000)");
  }

  @Test
  void outOfRangeAndMissingValuesAreRejected() {
    assertThatThrownBy(() -> TinyTraces.parse("n0,8000,1000,1,T4\n", "p0,1000,10,1,1500,,,,,,\n"))
        .hasMessage("pods.csv line 2: column gpu_milli is 1500; expected 0..1000");
    assertThatThrownBy(() -> TinyTraces.parse("n0,,1000,1,T4\n", "p0,1000,10,1,1000,,,,,,\n"))
        .hasMessage("nodes.csv line 2: column cpu_milli is empty");
    assertThatThrownBy(() -> TinyTraces.parse("n0,8000,1000,1,T4\n", "p0,1000,10,0,300,,,,,,\n"))
        .hasMessageContaining("line 2: gpu_milli is 300 but num_gpu is 0");
  }

  @Test
  void missingHeaderColumnsAreNamed() {
    assertThatThrownBy(() -> OpenbCsv.parseNodes(new StringReader("sn,cpu,memory_mib,gpu,model\nx,1,1,1,T4\n"), "n.csv"))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageStartingWith("n.csv line 1: header lacks column(s) cpu_milli; expected at least sn,cpu_milli,memory_mib,gpu,model");
  }

  @Test
  void emptyFilesAreRejected() {
    assertThatThrownBy(() -> OpenbCsv.parsePods(new StringReader(""), "p.csv"))
        .hasMessageStartingWith("p.csv: empty file");
    assertThatThrownBy(() -> OpenbCsv.parsePods(new StringReader(TinyTraces.POD_HEADER), "p.csv"))
        .hasMessage("p.csv: no pods after the header line");
  }
}
