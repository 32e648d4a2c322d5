package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryFitTest {

  private static GpuSample gpu(long used, long free) {
    return new GpuSample(2, "GPU-x", "NVIDIA A100-PCIE-40GB", used, free, 0, 0, null, null);
  }

  @Test
  void freeMemoryMinusPendingMustCoverTheRequest() {
    long request = 20 * MemoryFit.MIB_PER_GIB;
    assertThat(MemoryFit.fits(gpu(38870, 2090), request, 0)).isFalse();
    assertThat(MemoryFit.fits(gpu(0, 40960), request, 0)).isTrue();
    assertThat(MemoryFit.fits(gpu(0, 40960), request, 20480)).isTrue();
    assertThat(MemoryFit.fits(gpu(0, 40960), request, 20481)).isFalse();
  }

  @Test
  void unknownFreeMemoryLeavesTheDecisionToTheLedger() {
    assertThat(MemoryFit.fits(gpu(100, GpuSample.UNKNOWN_MIB), Long.MAX_VALUE / 2, 0)).isTrue();
    assertThat(MemoryFit.fits(null, 1, 0)).isTrue();
  }

  @Test
  void reasonStatesTheFigures() {
    assertThat(MemoryFit.reason(gpu(38870, 2090), 20480, 0))
        .isEqualTo("GPU 2 has 2090 MiB free as DCGM sees it (38870 MiB used); the pod asks for 20480 MiB");
    assertThat(MemoryFit.reason(gpu(0, 40960), 20480, 30000))
        .contains("30000 MiB of it promised to pods not yet running");
  }
}
