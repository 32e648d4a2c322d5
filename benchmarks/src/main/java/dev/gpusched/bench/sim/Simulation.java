package dev.gpusched.bench.sim;

import dev.gpusched.extender.decide.WorkloadProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/** Runs every (policy, seed) replay, on a few threads, and summarizes per policy. Seeds are {@code 1..seeds}. */
public final class Simulation {
  private Simulation() {}

  public static List<PolicySummary> run(Trace trace, List<String> policyNames, int seeds, double inflation, int threads,
      IntConsumer progress) {
    return run(trace, policyNames, seeds, inflation, threads, false, progress);
  }

  /** @param learnProfile gpusched learns its workload profile from the arrived pods instead of the whole trace */
  public static List<PolicySummary> run(Trace trace, List<String> policyNames, int seeds, double inflation, int threads,
      boolean learnProfile, IntConsumer progress) {
    WorkloadProfile profile = Profiles.of(trace.pods());
    Replay replay = new Replay(trace, profile, learnProfile);
    List<Policy> policies = new ArrayList<>();
    for (String name : policyNames) {
      policies.add(Policies.byName(name, trace, profile));
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "gpusched-sim");
      t.setDaemon(true);
      return t;
    });
    try {
      List<List<Future<Curve>>> futures = new ArrayList<>();
      for (Policy p : policies) {
        List<Future<Curve>> perSeed = new ArrayList<>();
        for (int s = 1; s <= seeds; s++) {
          long seed = s;
          perSeed.add(pool.submit(() -> replay.run(p, seed, inflation, progress)));
        }
        futures.add(perSeed);
      }
      List<PolicySummary> out = new ArrayList<>();
      for (int i = 0; i < policies.size(); i++) {
        List<Curve> curves = new ArrayList<>();
        for (Future<Curve> f : futures.get(i)) {
          curves.add(f.get());
        }
        out.add(PolicySummary.of(policies.get(i), curves));
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("simulation interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(c);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Pods one replay of the trace will place (for the progress bar's total). */
  public static long arrivalsPerReplay(Trace trace, double inflation) {
    return Arrivals.order(trace, inflation, 1).length;
  }
}
