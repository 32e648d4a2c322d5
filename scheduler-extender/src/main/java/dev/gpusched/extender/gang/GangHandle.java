package dev.gpusched.extender.gang;

import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.extender.retry.RetryNudges;
import dev.gpusched.gang.GangCoordinator;
import java.time.InstantSource;

/**
 * What every gang adapter works with, shared: the coordinator that holds the gang state, the pods and the ledger as gang
 * scheduling reads them, the writes to member pods, the retry nudges, the bind calls held at barriers, whether this
 * replica serves, the wait metric, and the clock.
 */
record GangHandle(GangCoordinator coordinator, GangPods pods, GangLedger ledger, MemberWrites writes, RetryNudges nudges,
    HeldCalls held, ServingGate gate, GangWaits waits, ExtenderMetrics metrics, InstantSource clock) {}
