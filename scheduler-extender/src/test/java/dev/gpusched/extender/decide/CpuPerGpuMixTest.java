package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CpuPerGpuMixTest {
  private static CpuPerGpuMix mix(double... gpuMilliCpuMilliWeight) {
    CpuPerGpuMix.Builder b = new CpuPerGpuMix.Builder();
    for (int i = 0; i < gpuMilliCpuMilliWeight.length; i += 3) {
      b.add(gpuMilliCpuMilliWeight[i], (long) gpuMilliCpuMilliWeight[i + 1], gpuMilliCpuMilliWeight[i + 2]);
    }
    return b.build();
  }

  @Test
  void classesGroupRatiosWithinAQuarterOctaveWeightedByTheGpuTheirPodsRequest() {
    // 1 GPU with 4 CPUs (x3), 1 GPU with 4.1 CPUs (same class: 2.5 % apart), half a GPU with 8 CPUs (16 per GPU),
    // and a pod without CPU: its GPU counts in the shares, it is in no class
    CpuPerGpuMix m = mix(1000, 4000, 3, 1000, 4100, 1, 500, 8000, 2, 1000, 0, 1);
    assertThat(m.size()).isEqualTo(2);
    assertThat(m.cpuMilliPerGpuMilli(0)).isCloseTo(16, offset(1e-12)); // CPU-hungriest first
    assertThat(m.share(0)).isCloseTo(1000 / 6000.0, offset(1e-12));
    assertThat(m.cpuMilliPerGpuMilli(1)).isCloseTo(16_100 / 4000.0, offset(1e-12)); // the class's CPU over its GPU
    assertThat(m.share(1)).isCloseTo(4000 / 6000.0, offset(1e-12));
  }

  @Test
  void unfedIsPerClassTheFreeGpuTheCpuLeftCannotFeedWeightedByShare() {
    // half the GPU at 4 CPUs per GPU, half at 16; 2 free GPUs
    CpuPerGpuMix m = mix(1000, 4000, 2, 2000, 32_000, 1);
    // 24 CPUs feed 1.5 GPUs at 16 per GPU (500 unfed) and 6 GPUs at 4 per GPU (none): 1/2 x 500
    assertThat(m.unfedMilli(2000, 24_000)).isCloseTo(250, offset(1e-9));
    // 4 CPUs: 250 milli-GPU fed at 16 per GPU (1750 unfed), 1000 at 4 per GPU (1000 unfed): 1/2 x 2750
    assertThat(m.unfedMilli(2000, 4_000)).isCloseTo(1375, offset(1e-9));
    // no CPU left (or less than none): all free GPU, for every class
    assertThat(m.unfedMilli(2000, 0)).isCloseTo(2000, offset(1e-9));
    assertThat(m.unfedMilli(2000, -5)).isEqualTo(m.unfedMilli(2000, 0));
    // 32 CPUs feed 2 GPUs even at 16 per GPU
    assertThat(m.unfedMilli(2000, 32_000)).isZero();
    assertThat(m.unfedMilli(2000, 31_999)).isPositive();
    assertThat(CpuPerGpuMix.NONE.unfedMilli(2000, 0)).isZero();
    // the inverse: where 250 and 1375 are unfed, and where nothing is
    assertThat(m.cpuLeftUnfeeding(2000, 250)).isCloseTo(24_000, offset(1e-6));
    assertThat(m.cpuLeftUnfeeding(2000, 1375)).isCloseTo(4_000, offset(1e-6));
    assertThat(m.cpuLeftUnfeeding(2000, 0)).isCloseTo(32_000, offset(1e-6));
  }

  @Test
  void theSumStopsAtTheFirstFedClassNeverFallsAsCpuFallsAndIsInvertedClosely() {
    Random random = new Random(5);
    for (int round = 0; round < 200; round++) {
      CpuPerGpuMix.Builder b = new CpuPerGpuMix.Builder();
      int pods = 1 + random.nextInt(40);
      for (int i = 0; i < pods; i++) {
        b.add(random.nextBoolean() ? 1000 * (1 + random.nextInt(8)) : 1 + random.nextInt(999),
            random.nextInt(5) == 0 ? 0 : random.nextInt(64_000), 1 + random.nextInt(5));
      }
      CpuPerGpuMix m = b.build();
      for (int q = 0; q < 50; q++) {
        long free = random.nextInt(8) == 0 ? 0 : random.nextInt(64_001);
        long cpu = random.nextInt(10) == 0 ? -random.nextInt(1000) : random.nextInt(300_000);
        double plain = 0;
        for (int j = 0; j < m.size(); j++) {
          plain += m.share(j) * Math.max(0, free - Math.max(0, cpu) / m.cpuMilliPerGpuMilli(j));
        }
        double fast = m.unfedMilli(free, cpu);
        assertThat(fast).as("round %d, %s, free %d, cpu %d", round, m, free, cpu)
            .isCloseTo(plain, offset(1e-9 * Math.max(1, free)));
        if (plain == 0) {
          assertThat(Double.doubleToRawLongBits(fast)).isEqualTo(Double.doubleToRawLongBits(0.0));
        }
        long less = cpu - 1 - random.nextInt(1000);
        assertThat(m.unfedMilli(free, less)).as("less CPU left").isGreaterThanOrEqualTo(fast);
        assertThat(m.unfedMilli(free + 1 + random.nextInt(1000), cpu)).as("more free GPU").isGreaterThanOrEqualTo(fast);
        if (fast > 0 && fast < m.unfedMilli(free, 0)) {
          double back = m.unfedMilli(free, Math.round(m.cpuLeftUnfeeding(free, fast)));
          assertThat(back).as("inverse of %f", fast).isCloseTo(fast, offset(1e-3 * Math.max(1, free)));
        }
      }
    }
  }

  @Test
  void closeToComparesClassesSharesAndRatios() {
    CpuPerGpuMix a = mix(1000, 4000, 75, 1000, 16_000, 25);
    assertThat(a.closeTo(mix(1000, 4000, 755, 1000, 16_000, 245), 0.01)).isTrue();
    assertThat(a.closeTo(mix(1000, 4000, 70, 1000, 16_000, 30), 0.01)).as("5 points apart").isFalse();
    assertThat(a.closeTo(mix(1000, 4000, 75, 1000, 32_000, 25), 0.01)).as("another class").isFalse();
  }
}
