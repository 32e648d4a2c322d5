package dev.gpusched.topology.cluster;

import java.util.Arrays;

/**
 * The answer of {@link DomainFitting#fitDomains}: which domains of one level can hold a list of member demands,
 * best fit first, and how close the largest domain came (for "why not" messages).
 *
 * @param level              the level queried ({@link ClusterTopology#clusterLevel()} for the whole cluster)
 * @param feasibleBestFirst  domains that hold every member, the one with least capacity first (ties: by name)
 * @param largestDomain      the domain that holds the most members (ties: more capacity, then name), -1 if the level has
 *                           no domain
 * @param largestHolds       how many members the largest domain holds
 * @param largestHostNodes   how many nodes of the largest domain can hold at least one member
 * @param membersNeeded      the number of members asked for
 */
public record DomainFits(int level, int[] feasibleBestFirst, int largestDomain, int largestHolds, int largestHostNodes,
                         int membersNeeded) {

    public DomainFits {
        feasibleBestFirst = feasibleBestFirst.clone();
    }

    /** The best-fit domain, or -1 when no domain holds every member. */
    public int bestDomain() {
        return feasibleBestFirst.length == 0 ? -1 : feasibleBestFirst[0];
    }

    /** True when at least one domain holds every member. */
    public boolean feasible() {
        return feasibleBestFirst.length > 0;
    }

    @Override
    public int[] feasibleBestFirst() {
        return feasibleBestFirst.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DomainFits f && f.level == level && Arrays.equals(f.feasibleBestFirst, feasibleBestFirst)
                && f.largestDomain == largestDomain && f.largestHolds == largestHolds
                && f.largestHostNodes == largestHostNodes && f.membersNeeded == membersNeeded;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(feasibleBestFirst) + level * 7 + largestDomain;
    }

    @Override
    public String toString() {
        return "DomainFits[level=" + level + ", feasibleBestFirst=" + Arrays.toString(feasibleBestFirst)
                + ", largestDomain=" + largestDomain + ", largestHolds=" + largestHolds + ", largestHostNodes="
                + largestHostNodes + ", membersNeeded=" + membersNeeded + "]";
    }
}
