package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostnameMappingTest {

  @Test
  void identityByDefault() {
    assertThat(HostnameMapping.parse(null).nodeName("gpu-node-a.example.com")).isEqualTo("gpu-node-a.example.com");
    assertThat(HostnameMapping.parse("  ").nodeName("gpu-node-a")).isEqualTo("gpu-node-a");
  }

  @Test
  void explicitEntriesWinOverStripDomain() {
    HostnameMapping m = HostnameMapping.parse("strip-domain, dgx-07.lab = gpu-node-b ,dcgm-exporter-x7k2p=gpu-node-a");
    assertThat(m.nodeName("dgx-07.lab")).isEqualTo("gpu-node-b");
    assertThat(m.nodeName("dcgm-exporter-x7k2p")).isEqualTo("gpu-node-a");
    assertThat(m.nodeName("gpu-node-c.cluster.local")).isEqualTo("gpu-node-c");
    assertThat(m.nodeName("plain")).isEqualTo("plain");
  }

  @Test
  void badEntriesAreNamed() {
    assertThatThrownBy(() -> HostnameMapping.parse("strip-domains"))
        .hasMessageContaining("'strip-domains'").hasMessageContaining("hostname=node-name");
    assertThatThrownBy(() -> HostnameMapping.parse("a=b=c")).hasMessageContaining("'a=b=c'");
    assertThatThrownBy(() -> HostnameMapping.parse("a= ")).hasMessageContaining("'a='");
    assertThatThrownBy(() -> HostnameMapping.parse("a=b,a=c")).hasMessageContaining("mapped twice");
  }
}
