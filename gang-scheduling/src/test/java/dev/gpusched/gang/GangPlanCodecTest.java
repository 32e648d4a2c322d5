package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GangPlanCodecTest {

    @Test
    void gpuIdsRoundTrip() {
        assertThat(GangPlanCodec.gpuIds(0xF0L)).isEqualTo("4,5,6,7");
        assertThat(GangPlanCodec.parseGpuIds("4,5, 6,7")).isEqualTo(0xF0L);
        assertThat(GangPlanCodec.parseGpuIds("63")).isEqualTo(Long.MIN_VALUE);
        assertThatThrownBy(() -> GangPlanCodec.parseGpuIds("0,64")).hasMessageContaining("'64'");
        assertThatThrownBy(() -> GangPlanCodec.parseGpuIds("1,1")).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> GangPlanCodec.parseGpuIds("")).hasMessageContaining("expected e.g. 0,1,2,3");
    }

    @Test
    void plansRoundTrip() {
        List<ReservedSlot> slots = List.of(
                new ReservedSlot(0, "node-a", 0x0FL, new MemberDemand(4, "nvlink"), null, SlotState.RESERVED),
                new ReservedSlot(1, "node-b", 0xFFL, new MemberDemand(8, ""), "uid", SlotState.BOUND));
        String text = GangPlanCodec.encode(slots);
        assertThat(text).isEqualTo("node-a:0,1,2,3@nvlink;node-b:0,1,2,3,4,5,6,7");
        assertThat(GangPlanCodec.decode(text)).containsExactly(
                new GangPlanCodec.Entry("node-a", 0x0FL, new MemberDemand(4, "nvlink")),
                new GangPlanCodec.Entry("node-b", 0xFFL, new MemberDemand(8, "")));
        assertThatThrownBy(() -> GangPlanCodec.decode("node-a:0;node-b"))
                .hasMessageContaining("place 2 'node-b' is not node:gpuIds[@policy]");
        assertThatThrownBy(() -> GangPlanCodec.decode("node-a:x"))
                .hasMessageContaining("gang plan place 1: GPU id 'x'");
    }
}
