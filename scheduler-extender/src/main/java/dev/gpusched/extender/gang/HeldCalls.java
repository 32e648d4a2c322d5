package dev.gpusched.extender.gang;

import dev.gpusched.gang.GangKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Bind calls of gang members answered later: at most one per pod, a newer call answering the older one. */
final class HeldCalls {
  /** A held call: its gang and the answer it waits for (null: bound; else the error). */
  record Held(GangKey gang, CompletableFuture<String> answer) {}

  private final Map<String, Held> held = new ConcurrentHashMap<>();

  /** Holds a new call of the pod; an older held call of it is answered that a newer one arrived. */
  Held hold(GangKey gang, String podUid) {
    Held h = new Held(gang, new CompletableFuture<>());
    Held previous = held.put(podUid, h);
    if (previous != null) {
      previous.answer().complete("a newer bind call for this pod arrived; this one is answered");
    }
    return h;
  }

  /** Answers the pod's held call, if any, with {@code error} (null: bound). */
  void answer(String podUid, String error) {
    Held h = held.remove(podUid);
    if (h != null) {
      h.answer().complete(error);
    }
  }

  /** Answers this very call, unless a newer call of the pod replaced it. */
  void answer(String podUid, Held h, String error) {
    held.remove(podUid, h);
    h.answer().complete(error);
  }

  /** Answers every held call with {@code error}. */
  void answerAll(String error) {
    for (Held h : held.values()) {
      h.answer().complete(error);
    }
  }
}
