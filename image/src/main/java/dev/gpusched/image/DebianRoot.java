package dev.gpusched.image;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The base of the image as distroless lays it out: the files of a few Debian packages unpacked side by side (no
 * package manager, no shell, no maintainer scripts run), without documentation and man pages (each package's
 * copyright file stays), each package's control record under {@code /var/lib/dpkg/status.d/} so image scanners find
 * the packages and their versions, a non-root user, and the Java trust store that ca-certificates-java would have
 * generated from ca-certificates.
 */
final class DebianRoot {
  /** The user the image runs as, numeric so that runAsNonRoot can check it. */
  static final int NON_ROOT = 65532;

  private DebianRoot() {}

  /** True for a path of a package that the image leaves out. */
  static boolean leftOut(String path) {
    if (path.startsWith("usr/share/doc/")) {
      return !path.endsWith("/copyright");
    }
    return path.startsWith("usr/share/man/") || path.startsWith("usr/share/info/")
        || path.startsWith("usr/share/lintian/") || path.startsWith("usr/share/gcc/") || path.startsWith("usr/share/gdb/")
        || path.startsWith("usr/lib/debug/") || path.matches("usr/lib/jvm/[^/]+/(man|docs)(/.*)?");
  }

  /** Writes the packages' files, their status records, the users and the trust store into {@code layer}. */
  static void write(List<DebianPackages.Deb> debs, Layer layer) throws Exception {
    List<X509Certificate> authorities = new ArrayList<>();
    for (DebianPackages.Deb deb : debs) {
      byte[] control = unpack(deb, layer, authorities);
      layer.directory("var/lib/dpkg/status.d", 0755);
      layer.file("var/lib/dpkg/status.d/" + deb.name(), 0644, control);
    }
    layer.file("etc/passwd", 0644, ("root:x:0:0:root:/root:/sbin/nologin\n"
        + "nonroot:x:" + NON_ROOT + ":" + NON_ROOT + ":nonroot:/home/nonroot:/sbin/nologin\n").getBytes(StandardCharsets.UTF_8));
    layer.file("etc/group", 0644, ("root:x:0:\nnonroot:x:" + NON_ROOT + ":\n").getBytes(StandardCharsets.UTF_8));
    layer.directory("home/nonroot", 0700);
    layer.directory("tmp", 01777);
    if (!authorities.isEmpty()) {
      layer.file("etc/ssl/certs/java/cacerts", 0644, trustStore(authorities));
    }
  }

  /** Copies one package's data into the layer and returns its control record (with a Status line, as dpkg keeps it). */
  private static byte[] unpack(DebianPackages.Deb deb, Layer layer, List<X509Certificate> authorities) throws Exception {
    byte[] control = null;
    boolean data = false;
    try (ArArchiveInputStream ar = new ArArchiveInputStream(new BufferedInputStream(Files.newInputStream(deb.file())))) {
      ArArchiveEntry member;
      while ((member = ar.getNextEntry()) != null) {
        String name = member.getName();
        if (name.startsWith("control.tar")) {
          control = controlRecord(tar(name, ar));
        } else if (name.startsWith("data.tar")) {
          data = true;
          copyData(tar(name, ar), layer, authorities);
        }
      }
    }
    if (control == null || !data) {
      throw new IOException(deb.file() + " is not a Debian package (no control.tar or data.tar member)");
    }
    return control;
  }

  private static TarArchiveInputStream tar(String member, InputStream in) throws IOException {
    InputStream raw = in; // the ar stream ends at the member's end; nothing here closes it
    if (member.endsWith(".xz")) {
      return new TarArchiveInputStream(new XZCompressorInputStream(raw));
    }
    if (member.endsWith(".gz")) {
      return new TarArchiveInputStream(new GZIPInputStream(raw));
    }
    if (member.equals("data.tar") || member.equals("control.tar")) {
      return new TarArchiveInputStream(raw);
    }
    throw new IOException("unsupported compression of " + member + " (xz, gz or none)");
  }

  private static void copyData(TarArchiveInputStream tar, Layer layer, List<X509Certificate> authorities) throws Exception {
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      String path = relative(e.getName());
      if (path.isEmpty() || leftOut(path)) {
        continue;
      }
      int mode = e.getMode() & 07777;
      if (e.isDirectory()) {
        layer.directory(path, mode);
      } else if (e.isSymbolicLink()) {
        layer.symlink(path, e.getLinkName());
      } else if (e.isLink()) {
        layer.hardlink(path, relative(e.getLinkName()));
      } else if (e.isFile()) {
        if (path.startsWith("usr/share/ca-certificates/") && path.endsWith(".crt")) {
          byte[] pem = tar.readAllBytes();
          authorities.add((X509Certificate) CertificateFactory.getInstance("X.509")
              .generateCertificate(new java.io.ByteArrayInputStream(pem)));
          layer.file(path, mode, pem);
        } else {
          layer.file(path, mode, e.getSize(), tar);
        }
      } else {
        throw new IOException("unexpected entry type in a Debian package: " + e.getName());
      }
    }
  }

  /** {@code ./usr/lib/x} → {@code usr/lib/x}; {@code ./} → "". */
  private static String relative(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    return n.startsWith("/") ? n.substring(1) : n;
  }

  private static byte[] controlRecord(TarArchiveInputStream tar) throws IOException {
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      if (relative(e.getName()).equals("control")) {
        String control = new String(tar.readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        int firstLine = control.indexOf('\n');
        // dpkg's status database has Status after Package; scanners read installed packages from it.
        return (control.substring(0, firstLine) + "\nStatus: install ok installed" + control.substring(firstLine) + "\n")
            .getBytes(StandardCharsets.UTF_8);
      }
    }
    throw new IOException("control.tar has no control file");
  }

  /** A PKCS#12 trust store of the authorities, as Debian's ca-certificates-java writes /etc/ssl/certs/java/cacerts. */
  private static byte[] trustStore(List<X509Certificate> authorities) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (X509Certificate ca : authorities) {
      store.setCertificateEntry(ca.getSubjectX500Principal().getName().toLowerCase(java.util.Locale.ROOT)
          + " [" + ca.getSerialNumber().toString(16) + "]", ca);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.store(out, "changeit".toCharArray());
    return out.toByteArray();
  }
}
