package dev.gpusched.gang;

/** Progress of one reserved place of a gang. */
public enum SlotState {
    /** Planned and held; possibly claimed by a pod that passed filter, not yet at bind. */
    RESERVED,
    /** Its pod reached bind and waits at the barrier; it keeps the place until the gang's deadline. */
    READY,
    /** The barrier opened: the extender is binding this pod now. */
    BINDING,
    /** The pod is bound (the caller confirmed it); its GPUs are counted by the ledger, no longer by reservations. */
    BOUND
}
