package dev.gpusched.gang;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Rebuilds the reservations after a restart from what the API records about gang member pods. Pure.
 *
 * <p>Records are grouped into plans by gang and {@code reservedAt}. The extender removes a gang's records once it is
 * bound whole, so records whose members are all bound are either a gang bound whole just before the restart (every
 * place of the plan recorded and bound), or one being topped up by a newer plan of the same gang: neither is restored,
 * and their records are reported as {@code completed} for removal. A place whose member has since finished or is being
 * deleted counts as bound (its record is read, though it restores nothing). Records all bound but missing places, with
 * no newer plan, are a bind batch cut short (a crash between members' Bindings) whose unbound members were deleted since: that
 * plan is restored, so that its deadline releases it and its bound members are deleted, and no partial gang runs on.
 * For each plan restored: its places come from the plan text (any member's {@link GangAnnotations#GANG_PLAN}); each
 * member's own annotations then claim its place, BOUND when the pod is bound, else RESERVED (a bind call held before
 * the restart is gone; kube-scheduler retries the pod and it arrives again). The deadline is {@code reservedAt} plus
 * the gang's timeout, so time spent down counts.
 *
 * <p>No double booking: a gang whose places cannot all be known (no plan text and some places unclaimed), whose
 * records disagree, whose unbound places overlap GPUs used by bound pods, or whose places overlap an older gang's,
 * is restored <em>already expired</em>: the first {@link BindBarrier#sweep} releases it and reports its bound members
 * for deletion, and its unbound pods plan again.
 */
public final class GangRecovery {

    /**
     * The rebuilt reservations; the pods of plans bound whole, whose records are no longer needed; and, in words, every
     * gang restored as expired or restored although all its recorded members are bound, and why.
     */
    public record Result(Reservations reservations, List<String> completed, List<String> notes) {
        public Result {
            completed = List.copyOf(completed);
            notes = List.copyOf(notes);
        }
    }

    private GangRecovery() {
    }

    /** {@link #recover(List, List, ToLongFunction)} with no records of members that ended. */
    public static Result recover(List<RecordedMember> members, ToLongFunction<String> usedByPods) {
        return recover(members, List.of(), usedByPods);
    }

    /**
     * @param members    records of every running pod that carries reservation annotations
     * @param ended      records of bound members that finished or are being deleted: they restore nothing, but the
     *                   places they held count as bound, so that a gang bound whole whose member finished is not read
     *                   as a bind batch cut short
     * @param usedByPods GPUs of a node used by bound pods that are not members of a recorded gang (from the ledger)
     */
    public static Result recover(List<RecordedMember> members, List<RecordedMember> ended,
                                 ToLongFunction<String> usedByPods) {
        // one plan = one gang key and one reservation time (a running gang's top-up plan is a plan of its own)
        Map<String, List<RecordedMember>> byPlan = new LinkedHashMap<>();
        for (RecordedMember m : members) {
            byPlan.computeIfAbsent(planOf(m), k -> new ArrayList<>()).add(m);
        }
        Map<String, Set<Integer>> endedPlaces = new HashMap<>();
        Map<GangKey, Instant> newestPlan = new HashMap<>();
        for (RecordedMember m : ended) {
            endedPlaces.computeIfAbsent(planOf(m), k -> new HashSet<>()).add(m.slot());
            newestPlan.merge(m.spec().key(), m.reservedAt(), (a, b) -> a.isAfter(b) ? a : b);
        }
        for (RecordedMember m : members) {
            newestPlan.merge(m.spec().key(), m.reservedAt(), (a, b) -> a.isAfter(b) ? a : b);
        }
        List<GangReservation> rebuilt = new ArrayList<>();
        List<String> completed = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (List<RecordedMember> records : byPlan.values()) {
            boolean allBound = true;
            for (RecordedMember m : records) {
                allBound &= m.bound();
            }
            RecordedMember first = records.get(0);
            if (allBound) {
                int places = placesOf(records);
                Set<Integer> held = new HashSet<>(endedPlaces.getOrDefault(planOf(first), Set.of()));
                records.forEach(m -> held.add(m.slot()));
                int recorded = held.size();
                if (recorded >= places || newestPlan.get(first.spec().key()).isAfter(first.reservedAt())) {
                    records.forEach(m -> completed.add(m.podUid()));
                    continue; // bound whole (or being topped up): this plan passed its barrier
                }
                notes.add("gang " + first.spec().key() + ": the plan from " + first.reservedAt() + " has " + recorded
                        + " of its " + places + " places bound and the pods of the others gone (a bind batch cut"
                        + " short); restored so that its deadline releases it");
            }
            rebuilt.add(rebuild(first.spec().key(), records, usedByPods, notes));
        }
        Map<GangKey, GangReservation> latest = new LinkedHashMap<>();
        for (GangReservation g : rebuilt) {
            GangReservation other = latest.get(g.key());
            if (other == null || g.reservedAt().isAfter(other.reservedAt())) {
                if (other != null) {
                    notes.add("gang " + g.key() + ": an older unfinished plan from " + other.reservedAt()
                            + " is dropped for the newer one");
                }
                latest.put(g.key(), g);
            } else {
                notes.add("gang " + g.key() + ": an older unfinished plan from " + g.reservedAt()
                        + " is dropped for the newer one");
            }
        }
        rebuilt = new ArrayList<>(latest.values());
        rebuilt.sort(Comparator.comparing(GangReservation::reservedAt).thenComparing(GangReservation::key));
        Reservations r = Reservations.EMPTY;
        for (GangReservation g : rebuilt) {
            String conflict = r.conflictWith(g);
            if (conflict != null && !g.expiredAt(g.reservedAt())) {
                notes.add("gang " + g.key() + " restored as expired: " + conflict);
                g = expire(g);
            }
            r = r.with(g);
        }
        return new Result(r, completed, notes);
    }

    private static String planOf(RecordedMember m) {
        return m.spec().key() + "@" + m.reservedAt();
    }

    /** How many places the records' plan has: its plan text's, else the gang's size. */
    private static int placesOf(List<RecordedMember> records) {
        for (RecordedMember m : records) {
            if (m.planText() != null && !m.planText().isBlank()) {
                try {
                    return GangPlanCodec.decode(m.planText()).size();
                } catch (IllegalArgumentException unreadable) {
                    return m.spec().size();
                }
            }
        }
        return records.get(0).spec().size();
    }

    private static GangReservation rebuild(GangKey key, List<RecordedMember> records, ToLongFunction<String> used,
                                           List<String> notes) {
        RecordedMember first = records.get(0);
        GangSpec spec = first.spec();
        Instant reservedAt = first.reservedAt();
        String plan = null;
        for (RecordedMember m : records) {
            if (m.reservedAt().isBefore(reservedAt)) {
                reservedAt = m.reservedAt();
            }
            if (plan == null && m.planText() != null && !m.planText().isBlank()) {
                plan = m.planText();
            }
        }
        String problem = null;
        ReservedSlot[] slots = new ReservedSlot[spec.size()];
        if (plan != null) {
            try {
                List<GangPlanCodec.Entry> entries = GangPlanCodec.decode(plan);
                if (entries.size() > spec.size()) {
                    problem = "its plan has " + entries.size() + " places but the gang has " + spec.size()
                            + " members";
                } else {
                    slots = new ReservedSlot[entries.size()];
                    for (int i = 0; i < entries.size(); i++) {
                        GangPlanCodec.Entry en = entries.get(i);
                        slots[i] = new ReservedSlot(i, en.node(), en.gpuMask(), en.demand(), null, SlotState.RESERVED);
                    }
                }
            } catch (IllegalArgumentException ex) {
                problem = "its plan annotation is unreadable (" + ex.getMessage() + ")";
            }
        }
        for (RecordedMember m : records) {
            if (problem != null) {
                break;
            }
            if (m.spec().size() != spec.size()) {
                problem = "its members disagree on its size (" + spec.size() + " and " + m.spec().size() + ")";
                break;
            }
            if (m.slot() >= slots.length) {
                problem = "pod " + m.podUid() + " records place " + m.slot() + " but the plan has " + slots.length;
                break;
            }
            ReservedSlot s = slots[m.slot()];
            if (s != null && s.podUid() != null) {
                problem = "pods " + s.podUid() + " and " + m.podUid() + " both claim place " + m.slot();
                break;
            }
            if (s != null && (!s.node().equals(m.node()) || s.gpuMask() != m.gpuMask())) {
                problem = "pod " + m.podUid() + " records place " + m.slot() + " on " + m.node() + " but the plan has "
                        + s.node();
                break;
            }
            if (m.bound() && !m.boundNode().equals(m.node())) {
                problem = "pod " + m.podUid() + " is bound to " + m.boundNode() + " but reserved on " + m.node();
                break;
            }
            MemberDemand demand = s != null ? s.demand() : new MemberDemand(Long.bitCount(m.gpuMask()), "");
            slots[m.slot()] = new ReservedSlot(m.slot(), m.node(), m.gpuMask(), demand, m.podUid(),
                    m.bound() ? SlotState.BOUND : SlotState.RESERVED);
        }
        if (problem == null) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] == null) {
                    problem = "place " + i + " is not recorded anywhere (no plan annotation)";
                    break;
                }
            }
        }
        if (problem == null) {
            Map<String, Long> perNode = new HashMap<>();
            for (ReservedSlot s : slots) {
                if (s.holdsCapacity()) {
                    long before = perNode.getOrDefault(s.node(), 0L);
                    if ((before & s.gpuMask()) != 0) {
                        problem = "two of its places share GPUs on " + s.node();
                        break;
                    }
                    perNode.put(s.node(), before | s.gpuMask());
                }
            }
            for (Map.Entry<String, Long> e : perNode.entrySet()) {
                if (problem != null) {
                    break;
                }
                long overlap = e.getValue() & used.applyAsLong(e.getKey());
                if (overlap != 0) {
                    problem = "GPUs " + GangPlanCodec.gpuIds(overlap) + " of " + e.getKey()
                            + " it reserved are now used by other pods";
                }
            }
        }
        if (problem != null) {
            notes.add("gang " + key + " restored as expired: " + problem);
            List<ReservedSlot> known = new ArrayList<>();
            for (RecordedMember m : records) {
                boolean dup = false;
                for (ReservedSlot k : known) {
                    dup |= k.podUid().equals(m.podUid());
                }
                if (!dup) {
                    known.add(new ReservedSlot(known.size(), m.node(), m.gpuMask(),
                            new MemberDemand(Math.max(1, Long.bitCount(m.gpuMask())), ""), m.podUid(),
                            m.bound() ? SlotState.BOUND : SlotState.RESERVED));
                }
            }
            return new GangReservation(spec, reservedAt, reservedAt, known);
        }
        return new GangReservation(spec, reservedAt, reservedAt.plus(spec.timeout()), List.of(slots));
    }

    private static GangReservation expire(GangReservation g) {
        return new GangReservation(g.spec(), g.reservedAt(), g.reservedAt(), g.slots());
    }
}
