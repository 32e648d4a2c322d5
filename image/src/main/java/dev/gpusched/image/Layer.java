package dev.gpusched.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One image layer being written: a gzip-compressed tar file, with the digest of its uncompressed tar (the config's
 * {@code diff_id}) and of its compressed bytes (the manifest's descriptor). Every entry is owned by root and dated
 * {@link #EPOCH}, so the same content gives the same digests on every build.
 */
final class Layer implements AutoCloseable {
  /** The time of every entry: 1970-01-01T00:00:01Z, as Jib writes it (0 reads as "unset" to some tools). */
  static final long EPOCH = 1000L;

  /** A finished layer: the .tar.gz file and its two digests ({@code sha256:...}) and size. */
  record Blob(Path file, String digest, long size, String diffId) {}

  private final Path file;
  private final MessageDigest compressed = sha256();
  private final MessageDigest uncompressed = sha256();
  private final TarArchiveOutputStream tar;
  private final Set<String> directories = new HashSet<>();

  Layer(Path file) throws IOException {
    this.file = file;
    OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16),
        compressed);
    GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16);
    tar = new TarArchiveOutputStream(new DigestOutputStream(gzip, uncompressed), StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(MessageDigest digest) {
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  /** A directory (and its parents, once each), mode 0755 unless given. */
  void directory(String path, int mode) throws IOException {
    String dir = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (dir.isEmpty() || directories.contains(dir)) {
      return;
    }
    int slash = dir.lastIndexOf('/');
    if (slash > 0) {
      directory(dir.substring(0, slash), 0755);
    }
    directories.add(dir);
    TarArchiveEntry e = entry(dir + "/", TarConstants.LF_DIR);
    e.setMode(040000 | mode);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  /** A regular file with these bytes. */
  void file(String path, int mode, byte[] content) throws IOException {
    file(path, mode, content.length, new java.io.ByteArrayInputStream(content));
  }

  /** A regular file of {@code size} bytes read from {@code content}. */
  void file(String path, int mode, long size, InputStream content) throws IOException {
    parents(path);
    TarArchiveEntry e = entry(path, TarConstants.LF_NORMAL);
    e.setMode(0100000 | mode);
    e.setSize(size);
    tar.putArchiveEntry(e);
    long copied = content.transferTo(tar);
    if (copied != size) {
      throw new IOException(path + ": expected " + size + " bytes, read " + copied);
    }
    tar.closeArchiveEntry();
  }

  /** A symbolic link to {@code target} (kept as written: relative or absolute within the image). */
  void symlink(String path, String target) throws IOException {
    link(path, target, TarConstants.LF_SYMLINK, 0120777);
  }

  /** A hard link to {@code target}, an earlier entry of this layer. */
  void hardlink(String path, String target) throws IOException {
    link(path, target, TarConstants.LF_LINK, 0100644);
  }

  private void link(String path, String target, byte type, int mode) throws IOException {
    parents(path);
    TarArchiveEntry e = entry(path, type);
    e.setMode(mode);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private void parents(String path) throws IOException {
    int slash = path.lastIndexOf('/');
    if (slash > 0) {
      directory(path.substring(0, slash), 0755);
    }
  }

  private static TarArchiveEntry entry(String path, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(path, type);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    e.setModTime(EPOCH);
    return e;
  }

  /** Ends the tar and the gzip stream; the digests are final after this. */
  Blob finish() throws IOException {
    tar.close();
    return new Blob(file, hex(compressed), Files.size(file), hex(uncompressed));
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }
}
