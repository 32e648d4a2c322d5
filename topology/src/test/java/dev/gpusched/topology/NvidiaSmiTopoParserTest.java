package dev.gpusched.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NvidiaSmiTopoParserTest {

    /** Every fixture, written out by hand in the compact form: link classes of every pair and every GPU's NUMA node. */
    static final Map<String, String> EXPECTED = Map.of(
            "dgx-a100.txt", "gpus=8; numa=3,3,1,1,7,7,5,5; NV12=all",
            "dgx-h100.txt", "gpus=8; numa=0x4,1x4; NV18=all",
            "dgx1-v100-cube-mesh.txt", "gpus=8; numa=0x4,1x4; default=SYS;"
                    + " NV2=0-3,0-4,1-2,1-5,2-3,4-7,5-6,6-7; NV1=0-1,0-2,1-3,2-6,3-7,4-5,4-6,5-7",
            "gb200-tray.txt", "gpus=4; numa=0,0,1,1; NV18=all",
            "pcie-a100-nvlink-pairs.txt", "gpus=8; numa=0x4,1x4; default=SYS; NV12=0-1,2-3,4-5,6-7;"
                    + " NODE=0-2,0-3,1-2,1-3,4-6,4-7,5-6,5-7",
            "pcie-a6000-nv4-pairs.txt", "gpus=4; numa=0x4; default=PHB; NV4=0-1,2-3",
            "pcie-l40s-4gpu.txt", "gpus=4; numa=0,0,1,1; default=SYS; PIX=0-1,2-3");

    static Iterable<String> fixtures() {
        return Fixtures.names();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyFixtureParsesIntoTheRightLinkClassesAndNumaNodes(String name) {
        assertThat(EXPECTED).as("a hand-written expectation exists for every fixture").containsKey(name);
        GpuTopology parsed = Fixtures.topology(name);
        GpuTopology expected = GpuTopologies.fromAnnotation(EXPECTED.get(name));
        assertThat(parsed).isEqualTo(expected);
        assertThat(parsed.hashCode()).isEqualTo(expected.hashCode());
    }

    @Test
    void readsPerPairAccessorsOfTheCubeMesh() {
        GpuTopology t = Fixtures.topology("dgx1-v100-cube-mesh.txt");
        assertThat(t.gpuCount()).isEqualTo(8);
        assertThat(t.linkClass(0, 3)).isEqualTo(LinkClass.NV);
        assertThat(t.nvlinkCount(0, 3)).isEqualTo(2);
        assertThat(t.nvlinkCount(3, 0)).isEqualTo(2);
        assertThat(t.nvlinkCount(0, 1)).isEqualTo(1);
        assertThat(t.linkClass(0, 5)).isEqualTo(LinkClass.SYS);
        assertThat(t.nvlinkCount(0, 5)).isZero();
        assertThat(t.linkClass(2, 2)).isEqualTo(LinkClass.SELF);
        assertThat(t.numaNode(0)).isZero();
        assertThat(t.numaNode(7)).isEqualTo(1);
    }

    @Test
    void exposesTheModelAsACompleteWeightedJGraphTGraph() {
        GpuTopology t = Fixtures.topology("pcie-a100-nvlink-pairs.txt");
        var g = t.graph();
        assertThat(g.vertexSet()).hasSize(8);
        assertThat(g.edgeSet()).hasSize(28);
        GpuLink link = g.getEdge(0, 1);
        assertThat(link.linkClass()).isEqualTo(LinkClass.NV);
        assertThat(link.nvlinks()).isEqualTo(12);
        assertThat(g.getEdgeWeight(link)).isEqualTo(120.0);
        assertThat(g.getEdge(0, 4).label()).isEqualTo("SYS");
        assertThatThrownBy(() -> g.addVertex(99)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void skipsNicRowsAndBothLegends() {
        GpuTopology t = Fixtures.topology("dgx-a100.txt");
        assertThat(t.gpuCount()).isEqualTo(8);
        assertThat(t.linkClass(0, 7)).isEqualTo(LinkClass.NV);
    }

    @Test
    void acceptsSpacesInsteadOfTabsAndTerminalEscapes() {
        String text = Fixtures.text("pcie-l40s-4gpu.txt");
        String spaced = text.replace("\t", "   ");
        String escaped = "\u001B[4m" + text.replaceFirst("\n", "\u001B[0m\n");
        assertThat(NvidiaSmiTopoParser.parse(spaced)).isEqualTo(Fixtures.topology("pcie-l40s-4gpu.txt"));
        assertThat(NvidiaSmiTopoParser.parse(escaped)).isEqualTo(Fixtures.topology("pcie-l40s-4gpu.txt"));
    }

    @Test
    void readsNumaNotAvailableAsUnknown() {
        String text = "\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\n"
                + "GPU0\t X \tPHB\t0-7\tN/A\t\tN/A\n"
                + "GPU1\tPHB\t X \t0-7\tN/A\t\tN/A\n";
        GpuTopology t = NvidiaSmiTopoParser.parse(text);
        assertThat(t.numaNode(0)).isEqualTo(-1);
        assertThat(t.linkClass(0, 1)).isEqualTo(LinkClass.PHB);
    }

    @Test
    void namesTheLineAndPairOfAnUnknownLinkClass() {
        String text = Fixtures.text("dgx1-v100-cube-mesh.txt");
        String[] lines = text.split("\n", -1);
        String[] cells = lines[3].split("\t", -1);
        cells[6] = "QQ";
        lines[3] = String.join("\t", cells);
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(String.join("\n", lines)))
                .isInstanceOf(TopologyParseException.class)
                .hasMessage("line 4: expected a link class (X, NV#, PIX, PXB, PHB, NODE, SYS) for GPU2/GPU5, found 'QQ'")
                .satisfies(e -> assertThat(((TopologyParseException) e).line()).isEqualTo(4));
    }

    @Test
    void rejectsAnAsymmetricMatrixNamingBothLines() {
        String text = "\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\n"
                + "GPU0\t X \tNV2\t0-7\t0\n"
                + "GPU1\tNV1\t X \t0-7\t0\n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(text))
                .isInstanceOf(TopologyParseException.class)
                .hasMessageStartingWith("line 3: expected NV2 for GPU1/GPU0 (line 2 gives GPU0/GPU1 as NV2")
                .hasMessageEndingWith("found 'NV1'");
    }

    @Test
    void rejectsXOffTheDiagonalAndALinkOnIt() {
        String offDiagonal = "\tGPU0\tGPU1\n" + "GPU0\t X \tX\n" + "GPU1\tX\t X \n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(offDiagonal))
                .hasMessage("line 2: expected a link class other than X for GPU0/GPU1, found 'X'");
        String onDiagonal = "\tGPU0\tGPU1\n" + "GPU0\tPIX\tPIX\n" + "GPU1\tPIX\t X \n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(onDiagonal))
                .hasMessage("line 2: expected X (the GPU itself) for GPU0/GPU0, found 'PIX'");
    }

    @Test
    void rejectsAMissingHeaderAMissingRowAShortRowAndBadNuma() {
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse("\n\nhello world\n"))
                .isInstanceOf(TopologyParseException.class)
                .hasMessageStartingWith("line 3: expected the header row of nvidia-smi topo -m")
                .hasMessageEndingWith("found 'hello world'");
        String missingRow = "\tGPU0\tGPU1\tGPU2\n" + "GPU0\t X \tSYS\tSYS\n" + "GPU1\tSYS\t X \tSYS\n\nLegend:\n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(missingRow))
                .hasMessage("line 5: expected a row for GPU2 (the header lists GPU0..GPU2), found the legend");
        String shortRow = "\tGPU0\tGPU1\tGPU2\n" + "GPU0\t X \tSYS\n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(shortRow))
                .hasMessage("line 2: expected 3 link classes (columns GPU0..GPU2) for GPU0, found 2");
        String outOfOrder = "\tGPU0\tGPU1\n" + "GPU1\tSYS\t X \n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(outOfOrder))
                .hasMessage("line 2: expected a row for GPU0, found 'GPU1\tSYS\t X'");
        String badNuma = "\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\n" + "GPU0\t X \tSYS\t0-7\tzero\n";
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse(badNuma))
                .hasMessage("line 2: expected a NUMA node number or N/A in the NUMA Affinity column for GPU0, found 'zero'");
        assertThatThrownBy(() -> NvidiaSmiTopoParser.parse("  \n"))
                .isInstanceOf(TopologyParseException.class)
                .hasMessageStartingWith("empty topology text")
                .satisfies(e -> assertThat(((TopologyParseException) e).line()).isZero());
    }
}
