package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HealthRulesTest {

  @Test
  void defaultFatalSet() {
    HealthRules rules = HealthRules.DEFAULT;
    for (int xid : new int[] {48, 63, 64, 74, 79, 92, 94, 95}) {
      assertThat(rules.isFatal(xid)).as("XID %d", xid).isTrue();
      assertThat(HealthRules.xidName(xid)).doesNotContain("catalogue");
    }
    for (int xid : new int[] {0, 13, 31, 43, 45, 1023, -1, 5000}) {
      assertThat(rules.isFatal(xid)).as("XID %d", xid).isFalse();
    }
    assertThat(rules.fatalXids()).isEqualTo(HealthRules.DEFAULT_FATAL_XIDS);
  }

  @Test
  void reasonNamesTheGpuTheXidAndItsMeaning() {
    assertThat(HealthRules.DEFAULT.reason(3, 79))
        .isEqualTo("GPU 3 reported XID 79 (GPU has fallen off the bus); excluded until it clears");
    assertThat(HealthRules.DEFAULT.reason(0, 48)).contains("double-bit ECC error");
    assertThat(HealthRules.DEFAULT.reason(1, 999)).contains("XID 999 (XID not in gpusched's catalogue)");
  }

  @Test
  void configurableSet() {
    HealthRules rules = HealthRules.parse(" 13, 79 ,");
    assertThat(rules.isFatal(13)).isTrue();
    assertThat(rules.isFatal(48)).isFalse();
    assertThat(rules.excludes(new GpuSample(0, null, null, 0, 0, 0, 13, null, null))).isTrue();
    assertThat(rules.excludes(new GpuSample(0, null, null, 0, 0, 0, 0, null, null))).isFalse();
    assertThat(HealthRules.parse("").isFatal(79)).isFalse();
  }

  @Test
  void badListsAreRejectedWithTheEntry() {
    assertThatThrownBy(() -> HealthRules.parse("48,sixty")).hasMessageContaining("'sixty' is not an integer");
    assertThatThrownBy(() -> HealthRules.parse("0")).hasMessageContaining("0 is out of range");
  }
}
