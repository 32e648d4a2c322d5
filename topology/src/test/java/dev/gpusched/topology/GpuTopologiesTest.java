package dev.gpusched.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class GpuTopologiesTest {

    static Iterable<String> fixtures() {
        return Fixtures.names();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void annotationTakesVerbatimNvidiaSmiTextAndTheCompactFormRoundTrips(String name) {
        GpuTopology parsed = Fixtures.topology(name);
        assertThat(GpuTopologies.fromAnnotation(Fixtures.text(name))).isEqualTo(parsed);
        String compact = GpuTopologies.toCompact(parsed);
        assertThat(compact).startsWith("gpus=").doesNotContain("\n");
        assertThat(GpuTopologies.fromAnnotation(compact)).isEqualTo(parsed);
    }

    @Test
    void readAnnotationNamesTheFormUsed() {
        assertThat(GpuTopologies.readAnnotation(Fixtures.text("gb200-tray.txt")).source()).isEqualTo("annotation:nvidia-smi");
        GpuTopologies.Inferred compact = GpuTopologies.readAnnotation(" gpus=4;numa=0,0,1,1;NV18=all");
        assertThat(compact.source()).isEqualTo("annotation:compact");
        assertThat(compact.topology()).isEqualTo(Fixtures.topology("gb200-tray.txt"));
    }

    @Test
    void writesTheCompactFormWithRunLengthNumaAndTheCommonestClassAsDefault() {
        assertThat(GpuTopologies.toCompact(Fixtures.topology("pcie-a100-nvlink-pairs.txt")))
                .isEqualTo("gpus=8;numa=0x4,1x4;default=SYS;NV12=0-1,2-3,4-5,6-7;NODE=0-2,0-3,1-2,1-3,4-6,4-7,5-6,5-7");
        assertThat(GpuTopologies.toCompact(GpuTopologies.nvSwitch(8, 18, 2))).isEqualTo("gpus=8;numa=0x4,1x4;NV18=all");
        assertThat(GpuTopologies.toCompact(GpuTopologies.flatPcie(3))).isEqualTo("gpus=3;SYS=all");
    }

    @Test
    void compactFormAcceptsNewlinesBlanksAndUnknownNuma() {
        GpuTopology t = GpuTopologies.fromAnnotation("gpus = 3\n numa = ?,0x2 ;\n default = PHB; NV4 = 1-2 ");
        assertThat(t.numaNode(0)).isEqualTo(-1);
        assertThat(t.numaNode(2)).isZero();
        assertThat(t.nvlinkCount(2, 1)).isEqualTo(4);
        assertThat(t.linkClass(0, 1)).isEqualTo(LinkClass.PHB);
    }

    @Test
    void compactFormErrorsSayWhatWasExpected() {
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=4;NV2=0-1,1-7;default=SYS"))
                .isInstanceOf(TopologyParseException.class)
                .hasMessage("line 1: expected a pair a-b of distinct GPUs in 0..3 under NV2, found '1-7'");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=3;NV2=0-1"))
                .hasMessage("pair 0-2 has no link class: list it under a class or add default=<class>, e.g. default=SYS");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=2;NV2=0-1;SYS=1-0"))
                .hasMessage("line 1: expected each pair once, found 1-0 under SYS after it was already given as NV2");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=2\nFOO=0-1"))
                .hasMessageStartingWith("line 2: expected a field name gpus, numa, default or a link class");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=2;numa=0x3;SYS=all"))
                .hasMessage("line 1: expected NUMA nodes for 2 GPUs in numa=, found more");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("gpus=many"))
                .hasMessage("line 1: expected a GPU count 1..64 after gpus=, found 'many'");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation(""))
                .isInstanceOf(TopologyParseException.class).hasMessageStartingWith("empty gpusched.dev/gpu-topology");
        assertThatThrownBy(() -> GpuTopologies.fromAnnotation("not a topology"))
                .isInstanceOf(TopologyParseException.class)
                .hasMessageStartingWith("line 1: expected the header row of nvidia-smi topo -m");
    }

    @Test
    void nvSwitchAndFlatPcieShapes() {
        GpuTopology sw = GpuTopologies.nvSwitch(8, 18, 2);
        assertThat(sw.nvlinkCount(0, 7)).isEqualTo(18);
        assertThat(sw.numaNode(3)).isZero();
        assertThat(sw.numaNode(4)).isEqualTo(1);
        assertThat(sw).isEqualTo(Fixtures.topology("dgx-h100.txt"));
        GpuTopology flat = GpuTopologies.flatPcie(4);
        assertThat(flat.linkClass(1, 3)).isEqualTo(LinkClass.SYS);
        assertThat(flat.numaNode(2)).isEqualTo(-1);
    }

    @ParameterizedTest
    @CsvSource({
            "NVIDIA-H100-80GB-HBM3, 8, gfd:nvswitch(NVIDIA-H100-80GB-HBM3), 18",
            "NVIDIA-H100-SXM5-80GB, 8, gfd:nvswitch(NVIDIA-H100-SXM5-80GB), 18",
            "NVIDIA-H200, 8, gfd:nvswitch(NVIDIA-H200), 18",
            "NVIDIA-A100-SXM4-80GB, 8, gfd:nvswitch(NVIDIA-A100-SXM4-80GB), 12",
            "NVIDIA-B200, 8, gfd:nvswitch(NVIDIA-B200), 18",
            "NVIDIA-A100-PCIE-40GB, 8, gfd:flat-pcie, 0",
            "NVIDIA-H100-PCIe, 8, gfd:flat-pcie, 0",
            "NVIDIA-H100-NVL, 8, gfd:flat-pcie, 0",
            "NVIDIA-H100-80GB-HBM3, 4, gfd:flat-pcie, 0",
            "NVIDIA-L40S, 8, gfd:flat-pcie, 0",
            "Tesla-V100-SXM2-16GB, 8, gfd:flat-pcie, 0"
    })
    void infersFromFeatureDiscoveryLabels(String product, int count, String source, int links) {
        GpuTopologies.Inferred inferred = GpuTopologies.fromFeatureDiscovery(product, count);
        assertThat(inferred.source()).isEqualTo(source);
        assertThat(inferred.topology().gpuCount()).isEqualTo(count);
        assertThat(inferred.topology().nvlinkCount(0, count - 1)).isEqualTo(links);
        assertThat(inferred.topology().numaNode(0)).isEqualTo(-1);
    }

    @Test
    void featureDiscoveryWithoutProductOrWithABadCount() {
        assertThat(GpuTopologies.fromFeatureDiscovery(null, 2).source()).isEqualTo("gfd:flat-pcie");
        assertThatThrownBy(() -> GpuTopologies.fromFeatureDiscovery("NVIDIA-H100-80GB-HBM3", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nvidia.com/gpu.count must be 1..64, was 0");
    }

    @Test
    void policyAnnotationValues() {
        assertThat(IntraNodePolicy.parse(" NVLink ")).isEqualTo(IntraNodePolicy.NVLINK);
        assertThat(IntraNodePolicy.parse(null)).isEqualTo(IntraNodePolicy.PREFER_NVLINK);
        assertThat(IntraNodePolicy.parse("prefer-nvlink").annotationValue()).isEqualTo("prefer-nvlink");
        for (IntraNodePolicy p : IntraNodePolicy.values()) {
            assertThat(IntraNodePolicy.parse(p.annotationValue())).isEqualTo(p);
        }
        assertThatThrownBy(() -> IntraNodePolicy.parse("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gpusched.dev/intra-node: unknown value 'fast'; valid values are nvlink, prefer-nvlink, numa, any"
                        + " (default prefer-nvlink)");
    }
}
