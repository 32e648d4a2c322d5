package dev.gpusched.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON documents of an OCI image layout (image-spec v1.1): per platform a config and a manifest, an image index
 * of the manifests with their platforms, and the layout's {@code index.json} naming that index by tag; and the
 * layout written as one tar file ({@code oci-archive:} to skopeo, crane and containerd).
 */
final class OciImage {
  static final String INDEX = "application/vnd.oci.image.index.v1+json";
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  private static final String CREATED = "1970-01-01T00:00:01Z"; // Layer.EPOCH: the same content, the same digests
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A stored manifest: its descriptor's digest and size, and the platform it is for. */
  record Manifest(String digest, long size, ImageBuild.Platform platform) {}

  private OciImage() {}

  /** Moves a finished layer into {@code blobs/sha256/} under its digest. */
  static Layer.Blob store(Layer.Blob layer, Path blobs) throws IOException {
    Path target = blobs.resolve(hexOf(layer.digest()));
    Files.move(layer.file(), target, StandardCopyOption.REPLACE_EXISTING);
    return new Layer.Blob(target, layer.digest(), layer.size(), layer.diffId());
  }

  static String hexOf(String digest) {
    return digest.substring("sha256:".length());
  }

  /** Writes the config and the manifest of one platform's image into {@code blobs}; returns the manifest. */
  static Manifest manifest(ImageBuild.Platform platform, List<DebianPackages.Deb> debs, List<Layer.Blob> layers,
      List<String> jvmFlags, String name, String tag, Path blobs) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("created", CREATED);
    config.put("architecture", platform.architecture());
    if (platform.variant() != null) {
      config.put("variant", platform.variant());
    }
    config.put("os", platform.os());
    ObjectNode run = config.putObject("config");
    run.put("User", DebianRoot.NON_ROOT + ":" + DebianRoot.NON_ROOT);
    run.putArray("Env").add("PATH=" + platform.javaHome() + "/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .add("JAVA_HOME=" + platform.javaHome());
    ArrayNode entrypoint = run.putArray("Entrypoint").add(platform.javaHome() + "/bin/java");
    jvmFlags.forEach(entrypoint::add);
    entrypoint.add("-jar").add("/" + ImageBuild.APP_DIR + "/gpusched.jar");
    run.putArray("Cmd").add("serve");
    run.put("WorkingDir", "/" + ImageBuild.APP_DIR);
    ObjectNode ports = run.putObject("ExposedPorts");
    for (String port : List.of("8081/tcp", "8443/tcp", "8888/tcp")) {
      ports.putObject(port);
    }
    ObjectNode labels = run.putObject("Labels");
    labels.put("org.opencontainers.image.title", "gpusched");
    labels.put("org.opencontainers.image.description", "GPU-aware kube-scheduler extender");
    labels.put("org.opencontainers.image.version", tag);
    labels.put("org.opencontainers.image.ref.name", name + ":" + tag);
    StringBuilder packages = new StringBuilder();
    for (DebianPackages.Deb deb : debs) {
      packages.append(packages.isEmpty() ? "" : " ").append(deb.name()).append('=').append(deb.version());
    }
    labels.put("org.opencontainers.image.base.name", "debian:bookworm packages " + packages);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    List<String> origins = List.of("Debian packages (" + packages + "), a non-root user, the Java trust store",
        "released dependencies (lib/)", "the project's libraries (lib/*-SNAPSHOT.jar)", "gpusched.jar");
    for (int i = 0; i < layers.size(); i++) {
      diffIds.add(layers.get(i).diffId());
      ObjectNode h = history.addObject();
      h.put("created", CREATED);
      h.put("created_by", "gpusched image-build: " + origins.get(Math.min(i, origins.size() - 1)));
    }
    Descriptor configBlob = writeBlob(blobs, JSON.writeValueAsBytes(config));

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MANIFEST);
    descriptor(manifest.putObject("config"), CONFIG, configBlob.digest(), configBlob.size());
    ArrayNode layerList = manifest.putArray("layers");
    for (Layer.Blob layer : layers) {
      descriptor(layerList.addObject(), LAYER, layer.digest(), layer.size());
    }
    Descriptor stored = writeBlob(blobs, JSON.writeValueAsBytes(manifest));
    return new Manifest(stored.digest(), stored.size(), platform);
  }

  /** The image index of every platform's manifest, and the layout's index.json and oci-layout naming it by tag. */
  static void writeLayout(Path layout, List<Manifest> manifests, String name, String tag) throws IOException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", INDEX);
    ArrayNode list = index.putArray("manifests");
    for (Manifest m : manifests) {
      ObjectNode d = descriptor(list.addObject(), MANIFEST, m.digest(), m.size());
      ObjectNode platform = d.putObject("platform");
      platform.put("architecture", m.platform().architecture());
      platform.put("os", m.platform().os());
      if (m.platform().variant() != null) {
        platform.put("variant", m.platform().variant());
      }
    }
    Descriptor stored = writeBlob(layout.resolve("blobs/sha256"), JSON.writeValueAsBytes(index));

    ObjectNode top = JSON.createObjectNode();
    top.put("schemaVersion", 2);
    top.put("mediaType", INDEX);
    ObjectNode ref = descriptor(top.putArray("manifests").addObject(), INDEX, stored.digest(), stored.size());
    ObjectNode annotations = ref.putObject("annotations");
    annotations.put("org.opencontainers.image.ref.name", tag);
    annotations.put("io.containerd.image.name", name + ":" + tag);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(top));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
  }

  private record Descriptor(String digest, long size) {}

  private static ObjectNode descriptor(ObjectNode node, String mediaType, String digest, long size) {
    node.put("mediaType", mediaType);
    node.put("digest", digest);
    node.put("size", size);
    return node;
  }

  private static Descriptor writeBlob(Path blobs, byte[] content) throws IOException {
    MessageDigest sha = Layer.sha256();
    String digest = Layer.hex(digestOf(sha, content));
    Files.write(blobs.resolve(hexOf(digest)), content);
    return new Descriptor(digest, content.length);
  }

  private static MessageDigest digestOf(MessageDigest sha, byte[] content) {
    sha.update(content);
    return sha;
  }

  /** The layout folder as one uncompressed tar (oci-layout first, then index.json, then the blobs). */
  static void tar(Path layout, Path output) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(layout)) {
      files = walk.filter(Files::isRegularFile).sorted((a, b) -> order(layout, a).compareTo(order(layout, b))).toList();
    }
    Path partial = output.resolveSibling(output.getFileName() + ".partial");
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(partial), 1 << 16);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String dir : List.of("blobs/", "blobs/sha256/")) {
        TarArchiveEntry e = new TarArchiveEntry(dir);
        e.setModTime(Layer.EPOCH);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      }
      for (Path f : files) {
        TarArchiveEntry e = new TarArchiveEntry(layout.relativize(f).toString());
        e.setSize(Files.size(f));
        e.setMode(0100644);
        e.setModTime(Layer.EPOCH);
        tar.putArchiveEntry(e);
        try (InputStream in = Files.newInputStream(f)) {
          in.transferTo(tar);
        }
        tar.closeArchiveEntry();
      }
    }
    Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String order(Path layout, Path f) {
    String rel = layout.relativize(f).toString();
    return (rel.equals("oci-layout") ? "0" : rel.equals("index.json") ? "1" : "2") + rel;
  }
}
