package dev.gpusched.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the image keeps of a Debian package, and how a fetched .deb's name is read. */
class DebianRootTest {
  @Test
  void documentationIsLeftOutButCopyrightNoticesStay() {
    assertThat(DebianRoot.leftOut("usr/share/doc/libc6/changelog.Debian.gz")).isTrue();
    assertThat(DebianRoot.leftOut("usr/share/doc/libc6/copyright")).isFalse();
    assertThat(DebianRoot.leftOut("usr/share/man/man1/java.1.gz")).isTrue();
    assertThat(DebianRoot.leftOut("usr/lib/debug/usr/lib/jvm/java-1.17.0-openjdk-arm64")).isTrue();
    assertThat(DebianRoot.leftOut("usr/lib/jvm/java-17-openjdk-amd64/docs")).isTrue();
    assertThat(DebianRoot.leftOut("usr/lib/jvm/java-17-openjdk-amd64/man/man1/java.1.gz")).isTrue();
    assertThat(DebianRoot.leftOut("usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so")).isFalse();
    assertThat(DebianRoot.leftOut("usr/lib/jvm/java-17-openjdk-amd64/legal/java.base/LICENSE")).isFalse();
    assertThat(DebianRoot.leftOut("lib/x86_64-linux-gnu/libc.so.6")).isFalse();
  }

  @Test
  void aDebsNameGivesPackageAndVersionWithItsEpoch() {
    DebianPackages.Deb zlib = DebianPackages.deb(Path.of("/cache/amd64/archives/zlib1g_1%3a1.2.13.dfsg-1+deb12u1_amd64.deb"));
    assertThat(zlib.name()).isEqualTo("zlib1g");
    assertThat(zlib.version()).isEqualTo("1:1.2.13.dfsg-1+deb12u1");
    DebianPackages.Deb jre = DebianPackages.deb(Path.of("openjdk-17-jre-headless_17.0.21.1+2-1~deb12u1_arm64.deb"));
    assertThat(jre.name()).isEqualTo("openjdk-17-jre-headless");
    assertThat(jre.version()).isEqualTo("17.0.21.1+2-1~deb12u1");
  }
}
