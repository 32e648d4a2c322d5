package dev.gpusched.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Keeps each architecture's Debian base layer between builds: unpacking 43 MB of xz and gzipping 190 MB takes about
 * 20 s of a 2-core machine per architecture, and the layer changes only with the packages or with the code that lays
 * it out. The key is a digest of the .deb files' names, versions and sizes and of the bytes of the classes that write
 * the layer, so a change to either makes a new layer.
 */
final class BaseLayerCache {
  private BaseLayerCache() {}

  /** The base layer of these packages, from {@code dir} when built before, else built (and kept there); at {@code into}. */
  static Layer.Blob get(Path dir, List<DebianPackages.Deb> debs, Path into) throws Exception {
    String key = key(debs);
    Path layer = dir.resolve(key + ".tar.gz");
    Path digests = dir.resolve(key + ".digests");
    if (Files.isRegularFile(layer) && Files.isRegularFile(digests)) {
      List<String> lines = Files.readAllLines(digests);
      Files.copy(layer, into, StandardCopyOption.REPLACE_EXISTING);
      Layer.Blob blob = new Layer.Blob(into, lines.get(0), Long.parseLong(lines.get(1)), lines.get(2));
      if (Files.size(into) == blob.size()) {
        return blob;
      }
    }
    Layer.Blob built;
    try (Layer out = new Layer(into)) {
      DebianRoot.write(debs, out);
      built = out.finish();
    }
    Files.createDirectories(dir);
    try (Stream<Path> old = Files.list(dir)) { // one layer per architecture is enough
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    Files.copy(into, layer);
    Files.writeString(digests, built.digest() + "\n" + built.size() + "\n" + built.diffId() + "\n"); // written last
    return built;
  }

  static String key(List<DebianPackages.Deb> debs) throws IOException {
    MessageDigest sha = Layer.sha256();
    for (DebianPackages.Deb deb : debs) {
      sha.update((deb.name() + "=" + deb.version() + " " + Files.size(deb.file()) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    for (Class<?> writer : List.of(DebianRoot.class, Layer.class)) {
      try (InputStream code = writer.getResourceAsStream(writer.getSimpleName() + ".class")) {
        sha.update(code.readAllBytes());
      }
    }
    return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
  }
}
