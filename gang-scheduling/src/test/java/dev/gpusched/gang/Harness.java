package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gpusched.gang.TestClusters.ALL8;
import static dev.gpusched.gang.TestClusters.EIGHT;

/**
 * Plays the extender's part around a {@link GangCoordinator} the way the lead's HTTP side is meant to: views that
 * exclude other gangs' reservations and holds, reservation annotations written on Assigned, Bindings made on BindAll.
 */
final class Harness {
    final ClusterTopology topology;
    final long[] used;
    final TestClusters.TestClock clock = new TestClusters.TestClock();
    GangCoordinator coordinator;
    final Map<String, Map<String, String>> annotations = new HashMap<>();
    final Map<String, String> boundNode = new HashMap<>();
    final Map<String, GangSpec> specOfPod = new HashMap<>();

    Harness(ClusterTopology topology) {
        this.topology = topology;
        this.used = new long[topology.nodeCount()];
        this.coordinator = newCoordinator();
    }

    GangCoordinator newCoordinator() {
        return new GangCoordinator(new GangPlanner(), clock, Duration.ofSeconds(4),
                StarvationGuard.create(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5)));
    }

    /** Marks every node but the first {@code free} as used by other pods. */
    Harness withFreeNodes(int free) {
        for (int i = 0; i < used.length; i++) {
            used[i] = i < free ? 0 : ALL8;
        }
        return this;
    }

    MaskCapacityView viewFor(GangKey gang) {
        long[] free = new long[used.length];
        int[] totals = new int[used.length];
        for (int i = 0; i < used.length; i++) {
            free[i] = ALL8 & ~used[i];
            totals[i] = 8;
        }
        return new MaskCapacityView(topology, free, totals)
                .without(coordinator.reservations(), gang, coordinator.starvation().nodesHeldAgainst(gang));
    }

    FilterOutcome filter(GangSpec spec, String uid) {
        specOfPod.put(uid, spec);
        FilterOutcome out = coordinator.assign(spec, uid, EIGHT, viewFor(spec.key()));
        if (out instanceof FilterOutcome.Assigned a) {
            annotations.computeIfAbsent(uid, k -> new HashMap<>()).putAll(GangAnnotations.claim(a));
        }
        return out;
    }

    String node(FilterOutcome out) {
        return ((FilterOutcome.Assigned) out).slot().node();
    }

    BarrierDecision bind(String uid) {
        GangSpec spec = specOfPod.get(uid);
        BarrierDecision d = coordinator.arrive(spec.key(), uid, annotations.get(uid).get(GangAnnotations.RESERVED_NODE));
        if (d instanceof BarrierDecision.BindAll all) {
            for (MemberBinding b : all.members()) {
                used[topology.nodeIndex(b.node())] |= b.gpuMask();
                boundNode.put(b.podUid(), b.node());
                coordinator.bindSucceeded(spec.key(), b.podUid());
            }
        }
        return d;
    }

    /** A bound pod ends: its GPUs are free again. */
    void podFinished(String uid) {
        String node = boundNode.remove(uid);
        used[topology.nodeIndex(node)] &= ~GangPlanCodec.parseGpuIds(
                annotations.get(uid).get(GangAnnotations.RESERVED_GPU_IDS));
    }

    /** What the lead reads back from the API after a restart. */
    List<RecordedMember> recordedMembers() {
        List<RecordedMember> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : annotations.entrySet()) {
            RecordedMember m = RecordedMember.fromAnnotations(e.getKey(), specOfPod.get(e.getKey()), e.getValue(),
                    boundNode.get(e.getKey()));
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** GPUs used by bound pods that are not members of a recorded gang (all bound pods here are gang members). */
    long usedByOthers(String node) {
        long mask = used[topology.nodeIndex(node)];
        for (Map.Entry<String, String> e : boundNode.entrySet()) {
            if (e.getValue().equals(node)) {
                mask &= ~GangPlanCodec.parseGpuIds(annotations.get(e.getKey()).get(GangAnnotations.RESERVED_GPU_IDS));
            }
        }
        return mask;
    }
}
