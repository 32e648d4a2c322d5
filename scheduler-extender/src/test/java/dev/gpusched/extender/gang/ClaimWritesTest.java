package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class ClaimWritesTest {
  private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();
  private final List<String> written = new ArrayList<>();
  private final List<String> refusing = new ArrayList<>();
  private final ClaimWrites claims = new ClaimWrites(queued::add, (pod, ann) -> {
    if (refusing.contains(pod.uid())) {
      throw new IllegalStateException("API refused");
    }
    written.add(pod.uid() + "=" + ann.get("slot"));
  });

  private static final PodRef A = new PodRef("ml", "a", "uid-a");
  private static final PodRef B = new PodRef("ml", "b", "uid-b");

  private void runQueued() {
    for (Runnable r; (r = queued.poll()) != null; ) {
      r.run();
    }
  }

  @Test
  void aClaimIsWrittenOnceAndCountsOnlyOnceItReachedTheApi() {
    claims.write(A, Map.of("slot", "0"));
    claims.write(A, Map.of("slot", "0"));
    assertThat(queued).hasSize(1);
    assertThat(claims.missing(List.of("uid-a"), 0)).isEqualTo("uid-a");
    runQueued();
    assertThat(written).containsExactly("uid-a=0");
    assertThat(claims.missing(List.of("uid-a"), 0)).isNull();
    claims.write(A, Map.of("slot", "0"));
    assertThat(queued).isEmpty();
    claims.write(A, Map.of("slot", "1")); // a new place: written again
    runQueued();
    assertThat(written).containsExactly("uid-a=0", "uid-a=1");
  }

  @Test
  void aFailedWriteIsMissingUntilTheClaimIsWrittenAgain() {
    refusing.add("uid-b");
    claims.write(A, Map.of("slot", "0"));
    claims.write(B, Map.of("slot", "1"));
    runQueued();
    assertThat(claims.missing(List.of("uid-a", "uid-b"), 10)).isEqualTo("uid-b");
    refusing.clear();
    claims.write(B, Map.of("slot", "1")); // the same annotations: the failed write was not remembered
    assertThat(queued).hasSize(1);
    runQueued();
    assertThat(claims.missing(List.of("uid-a", "uid-b"), 0)).isNull();
  }

  @Test
  void aPodWithNoWriteOnRecordCountsAsWrittenAndAForgottenClaimIsWrittenAgain() {
    assertThat(claims.missing(List.of("restored-from-annotations"), 0)).isNull();
    claims.write(A, Map.of("slot", "0"));
    runQueued();
    claims.forget("uid-a");
    claims.write(A, Map.of("slot", "0"));
    assertThat(queued).hasSize(1);
  }

  @Test
  void aStoppedWriterLeavesTheClaimMissing() {
    ClaimWrites stopped = new ClaimWrites(r -> {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }, (pod, ann) -> written.add(pod.uid()));
    stopped.write(A, Map.of("slot", "0"));
    assertThat(stopped.missing(List.of("uid-a"), 0)).isEqualTo("uid-a");
    assertThat(written).isEmpty();
  }
}
