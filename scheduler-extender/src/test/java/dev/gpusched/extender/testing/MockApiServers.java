package dev.gpusched.extender.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.slf4j.LoggerFactory;

/** Stopping fabric8's mock API server in a test's teardown, as {@code EmbeddedApiServer.close()} does. */
public final class MockApiServers {
  private MockApiServers() {}

  /**
   * Stops the server. Its shutdown waits up to 10 s for clients' connections to go; the JDK HTTP client keeps idle
   * connections open after {@code close()}, so a stop that times out is logged, not failed: the test's assertions have
   * run by then, and nothing they checked depends on it.
   */
  public static void stop(KubernetesMockServer server) {
    try {
      server.destroy();
    } catch (IllegalStateException slowToClose) {
      LoggerFactory.getLogger(MockApiServers.class).warn("mock API server did not stop in time: {}",
          slowToClose.getMessage());
    }
  }
}
