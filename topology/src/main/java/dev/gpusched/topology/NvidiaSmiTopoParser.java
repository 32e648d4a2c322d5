package dev.gpusched.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads the matrix that {@code nvidia-smi topo -m} prints into a {@link GpuTopology}.
 *
 * <p>The header row names the device columns ({@code GPU0..GPUn-1}, then NICs) and the affinity columns; each
 * {@code GPUi} row gives its link class to every GPU and, when the header has a {@code NUMA Affinity} column, its NUMA
 * node ({@code N/A} means unknown). NIC rows, the legend and the NIC legend are skipped; cells may be separated by tabs
 * (as the tool prints them) or spaces, and terminal escape codes are ignored. Anything else fails with a
 * {@link TopologyParseException} naming the line and what was expected there.
 */
public final class NvidiaSmiTopoParser {
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern GPU_NAME = Pattern.compile("GPU(\\d+)");

    private NvidiaSmiTopoParser() {
    }

    /**
     * Parses nvidia-smi topo -m output.
     *
     * @throws TopologyParseException naming the line and what was expected
     */
    public static GpuTopology parse(String text) {
        if (text == null || text.isBlank()) {
            throw new TopologyParseException(0, "empty topology text: expected the output of nvidia-smi topo -m, "
                    + "starting with a header row 'GPU0 GPU1 ... CPU Affinity'");
        }
        String[] lines = text.split("\r?\n|\r", -1);
        int lineNo = 0;
        while (lineNo < lines.length && clean(lines[lineNo]).isBlank()) {
            lineNo++;
        }
        String headerLine = clean(lines[lineNo]);
        int headerNo = lineNo + 1;
        String[] header = tokens(headerLine);
        int deviceColumns = 0;
        while (deviceColumns < header.length && !isAffinityWord(header[deviceColumns])) {
            deviceColumns++;
        }
        int gpus = 0;
        while (gpus < deviceColumns && header[gpus].equalsIgnoreCase("GPU" + gpus)) {
            gpus++;
        }
        if (gpus == 0) {
            throw new TopologyParseException(headerNo, "expected the header row of nvidia-smi topo -m "
                    + "('GPU0 GPU1 ... CPU Affinity NUMA Affinity'), found '" + shorten(headerLine) + "'");
        }
        if (gpus < deviceColumns && GPU_NAME.matcher(header[gpus].toUpperCase(Locale.ROOT)).matches()) {
            throw new TopologyParseException(headerNo, "expected column GPU" + gpus + " after GPU" + (gpus - 1)
                    + " in the header, found '" + header[gpus] + "'");
        }
        if (gpus > GpuTopology.MAX_GPUS) {
            throw new TopologyParseException(headerNo, "expected at most " + GpuTopology.MAX_GPUS + " GPUs, found " + gpus);
        }
        List<String> nicNames = new ArrayList<>();
        for (int c = gpus; c < deviceColumns; c++) {
            nicNames.add(header[c].toUpperCase(Locale.ROOT));
        }
        String affinity = headerLine.substring(Math.min(headerLine.length(), indexOfAffinity(headerLine)));
        boolean hasCpuAffinity = affinity.toUpperCase(Locale.ROOT).contains("CPU AFFINITY");
        boolean hasNumaAffinity = affinity.toUpperCase(Locale.ROOT).contains("NUMA AFFINITY");

        GpuTopology.Builder builder = GpuTopology.builder(gpus);
        int[] rowLine = new int[gpus];
        int[] nv = new int[1];
        int nextGpu = 0;
        for (lineNo = lineNo + 1; lineNo < lines.length; lineNo++) {
            int number = lineNo + 1;
            String line = clean(lines[lineNo]);
            if (line.isBlank()) {
                continue;
            }
            if (line.trim().toUpperCase(Locale.ROOT).startsWith("LEGEND")) {
                break;
            }
            String[] cells = tokens(line);
            String label = cells[0].toUpperCase(Locale.ROOT);
            if (nicNames.contains(label) || label.startsWith("NIC")) {
                continue;
            }
            if (!label.equals("GPU" + nextGpu)) {
                String expected = nextGpu < gpus ? "a row for GPU" + nextGpu : "a NIC row or the legend";
                throw new TopologyParseException(number, "expected " + expected + ", found '" + shorten(line) + "'");
            }
            int gpu = nextGpu++;
            rowLine[gpu] = number;
            if (cells.length < 1 + gpus) {
                throw new TopologyParseException(number, "expected " + gpus + " link classes (columns GPU0..GPU"
                        + (gpus - 1) + ") for GPU" + gpu + ", found " + (cells.length - 1));
            }
            for (int other = 0; other < gpus; other++) {
                String cell = cells[1 + other];
                LinkClass linkClass = LinkClass.parseToken(cell, nv);
                if (linkClass == null) {
                    throw new TopologyParseException(number, "expected a link class (" + LinkClass.EXPECTED + ") for GPU"
                            + gpu + "/GPU" + other + ", found '" + cell + "'");
                }
                if ((other == gpu) != (linkClass == LinkClass.SELF)) {
                    String expected = other == gpu ? "X (the GPU itself)" : "a link class other than X";
                    throw new TopologyParseException(number, "expected " + expected + " for GPU" + gpu + "/GPU" + other
                            + ", found '" + cell + "'");
                }
                if (other == gpu) {
                    continue;
                }
                if (other < gpu) {
                    checkSymmetric(gpu, other, linkClass, nv[0], builder.labelOf(other, gpu), rowLine[other], number);
                } else {
                    builder.link(gpu, other, linkClass, nv[0]);
                }
            }
            int numaColumn = 1 + deviceColumns + (hasCpuAffinity ? 1 : 0);
            if (hasNumaAffinity && cells.length > numaColumn) {
                builder.numa(gpu, parseNuma(cells[numaColumn], gpu, number));
            }
        }
        if (nextGpu < gpus) {
            throw new TopologyParseException(Math.min(lineNo + 1, lines.length), "expected a row for GPU" + nextGpu
                    + " (the header lists GPU0..GPU" + (gpus - 1) + "), found "
                    + (lineNo < lines.length ? "the legend" : "the end of the text"));
        }
        return builder.build();
    }

    private static void checkSymmetric(int gpu, int other, LinkClass linkClass, int nvlinks, String earlier,
                                       int earlierLine, int number) {
        String now = LinkClass.label(linkClass, nvlinks);
        if (!now.equals(earlier)) {
            throw new TopologyParseException(number, "expected " + earlier + " for GPU" + gpu + "/GPU" + other
                    + " (line " + earlierLine + " gives GPU" + other + "/GPU" + gpu + " as " + earlier
                    + "; the matrix must be symmetric), found '" + now + "'");
        }
    }

    private static int parseNuma(String cell, int gpu, int number) {
        if (cell.equalsIgnoreCase("N/A")) {
            return -1;
        }
        try {
            int node = Integer.parseInt(cell);
            if (node >= 0) {
                return node;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TopologyParseException(number, "expected a NUMA node number or N/A in the NUMA Affinity column for GPU"
                + gpu + ", found '" + cell + "'");
    }

    private static boolean isAffinityWord(String token) {
        String t = token.toUpperCase(Locale.ROOT);
        return t.equals("CPU") || t.equals("NUMA") || t.startsWith("AFFINITY");
    }

    private static int indexOfAffinity(String headerLine) {
        int cpu = headerLine.toUpperCase(Locale.ROOT).indexOf("CPU");
        int numa = headerLine.toUpperCase(Locale.ROOT).indexOf("NUMA");
        if (cpu < 0) {
            return numa < 0 ? headerLine.length() : numa;
        }
        return numa < 0 ? cpu : Math.min(cpu, numa);
    }

    private static String clean(String line) {
        return ANSI.matcher(line).replaceAll("");
    }

    private static String[] tokens(String line) {
        return WHITESPACE.split(line.trim());
    }

    private static String shorten(String line) {
        String t = line.trim();
        return t.length() > 60 ? t.substring(0, 57) + "..." : t;
    }
}
