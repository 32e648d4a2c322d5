package dev.gpusched.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopologyReportTest {

    @Test
    void rendersTheModelAndTheBestChoiceForEveryK() {
        String report = TopologyReport.render(Fixtures.topology("dgx1-v100-cube-mesh.txt"));
        assertThat(report).contains("8 GPUs").contains("GPU0  X     NV1   NV1   NV2   NV2   SYS   SYS   SYS   0")
                .contains("Compact form: gpus=8;numa=0x4,1x4;default=SYS;NV2=");
        assertThat(report.lines().filter(l -> l.matches("\\s*\\d+\\s+[0-9,]+\\s.*")).count()).isEqualTo(8);
        assertThat(report).containsPattern("\\n\\s+4\\s+0,1,2,3\\s+NV1\\s+0\\s+");
        assertThat(report).containsPattern("\\n\\s+8\\s+0,1,2,3,4,5,6,7\\s+SYS\\s+0,1\\s+\\d+\\s+impossible");
    }
}
