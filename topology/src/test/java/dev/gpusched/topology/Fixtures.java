package dev.gpusched.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates and reads the nvidia-smi topo -m captures in the project's test data (testdata/nvidia-smi-topo). */
final class Fixtures {
    private Fixtures() {
    }

    static Path dir() {
        Path root = Path.of(System.getProperty("gpusched.root", "../..")).toAbsolutePath().normalize();
        Path dir = root.resolve("testdata/nvidia-smi-topo");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixture directory not found: " + dir + " (set -Dgpusched.root to the project root)");
        }
        return dir;
    }

    static List<String> names() {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".txt")).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        try {
            return Files.readString(dir().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GpuTopology topology(String name) {
        return NvidiaSmiTopoParser.parse(text(name));
    }
}
