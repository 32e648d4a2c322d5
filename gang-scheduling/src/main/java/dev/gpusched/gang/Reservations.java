package dev.gpusched.gang;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * All gangs' reservations: an immutable value. Every change returns a new instance, so a caller can publish it
 * through one volatile reference and let the filter hot path read it without a lock ({@link GangCoordinator} does).
 *
 * <p>A place counts as used for everybody but its own gang until its pod is {@link SlotState#BOUND}; from then on the
 * caller's ledger counts the bound pod's GPUs and the reservation no longer does.
 */
public final class Reservations {

    /** No reservations. */
    public static final Reservations EMPTY = new Reservations(new TreeMap<>());

    private final Map<GangKey, GangReservation> gangs;
    private final Map<String, List<GangReservation>> byNode;
    /** Per node: GPUs held per gang, for the filter's per-node lookup without scanning slots. */
    private final Map<String, List<GangMask>> masksByNode;

    private record GangMask(GangKey gang, long mask) {
    }

    private Reservations(TreeMap<GangKey, GangReservation> gangs) {
        this.gangs = Collections.unmodifiableMap(gangs);
        Map<String, List<GangReservation>> index = new HashMap<>();
        Map<String, List<GangMask>> masks = new HashMap<>();
        for (GangReservation g : gangs.values()) {
            Map<String, Long> perNode = new HashMap<>();
            for (ReservedSlot s : g.slots()) {
                if (s.holdsCapacity() && !s.node().isEmpty()) {
                    perNode.merge(s.node(), s.gpuMask(), (a, b) -> a | b);
                }
            }
            for (Map.Entry<String, Long> e : perNode.entrySet()) {
                index.computeIfAbsent(e.getKey(), k -> new ArrayList<>(2)).add(g);
                masks.computeIfAbsent(e.getKey(), k -> new ArrayList<>(2)).add(new GangMask(g.key(), e.getValue()));
            }
        }
        this.byNode = index;
        this.masksByNode = masks;
    }

    /** The reservation of a gang, or null. */
    public GangReservation get(GangKey gang) {
        return gangs.get(gang);
    }

    /** Every reservation, ordered by gang key. */
    public Collection<GangReservation> all() {
        return gangs.values();
    }

    /** Number of gangs holding reservations. */
    public int size() {
        return gangs.size();
    }

    /**
     * GPUs of a node held by reservations of gangs other than {@code except} (null: of every gang), as a bitmask.
     * This is what the filter subtracts from a node's free GPUs for any pod not of {@code except}.
     */
    public long reservedMaskOnNode(String node, GangKey except) {
        List<GangMask> list = masksByNode.get(node);
        if (list == null) {
            return 0;
        }
        long mask = 0;
        for (int i = 0; i < list.size(); i++) {
            GangMask gm = list.get(i);
            if (except == null || !gm.gang().equals(except)) {
                mask |= gm.mask();
            }
        }
        return mask;
    }

    /** The GPUs reserved on each node by any gang, as bitmasks: what the ledger counts as used for pods outside gangs. */
    public Map<String, Long> maskByNode() {
        Map<String, Long> out = new HashMap<>();
        for (Map.Entry<String, List<GangMask>> e : masksByNode.entrySet()) {
            out.put(e.getKey(), reservedMaskOnNode(e.getKey(), null));
        }
        return out;
    }

    /** True when some gang holds capacity on the node. */
    public boolean hasReservationOn(String node) {
        return byNode.containsKey(node);
    }

    /**
     * Why a reservation cannot be added next to the existing ones (its places overlap places held by another gang),
     * or null when it can.
     */
    public String conflictWith(GangReservation candidate) {
        for (ReservedSlot s : candidate.slots()) {
            if (!s.holdsCapacity()) {
                continue;
            }
            List<GangReservation> list = byNode.get(s.node());
            if (list == null) {
                continue;
            }
            for (GangReservation other : list) {
                if (other.key().equals(candidate.key())) {
                    continue;
                }
                for (ReservedSlot o : other.slots()) {
                    if (o.holdsCapacity() && o.node().equals(s.node()) && (o.gpuMask() & s.gpuMask()) != 0) {
                        return "GPUs " + GangPlanCodec.gpuIds(o.gpuMask() & s.gpuMask()) + " of node " + s.node()
                                + " are already reserved for gang " + other.key();
                    }
                }
            }
        }
        return null;
    }

    /** These reservations with {@code r} added, or replacing the gang's previous one (no conflict check). */
    public Reservations with(GangReservation r) {
        TreeMap<GangKey, GangReservation> copy = new TreeMap<>(gangs);
        copy.put(r.key(), r);
        return new Reservations(copy);
    }

    /** These reservations without the gang's. */
    public Reservations without(GangKey gang) {
        if (!gangs.containsKey(gang)) {
            return this;
        }
        TreeMap<GangKey, GangReservation> copy = new TreeMap<>(gangs);
        copy.remove(gang);
        return new Reservations(copy);
    }

    /**
     * Reservations whose deadline has passed and that are not complete, ordered by gang key. A gang whose barrier opened
     * (every member being bound or bound) is not expired while its binds are in flight: releasing it then would delete
     * members whose bind is answered success, of a gang that reached its barrier in time.
     */
    public List<GangReservation> expired(Instant now) {
        List<GangReservation> out = new ArrayList<>();
        for (GangReservation g : gangs.values()) {
            if (g.expiredAt(now) && !g.complete() && !g.barrierOpened()) {
                out.add(g);
            }
        }
        return out;
    }

    /** The gang holding a pod's place, or null. */
    public GangReservation gangOfPod(String podUid) {
        for (GangReservation g : gangs.values()) {
            if (g.slotOf(podUid) != null) {
                return g;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "Reservations" + gangs.keySet();
    }
}
