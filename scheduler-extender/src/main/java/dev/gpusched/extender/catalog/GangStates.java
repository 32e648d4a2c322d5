package dev.gpusched.extender.catalog;

import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The state of each gang as {@code GET /inspect/gangs} shows it, in one word for a catalog annotation: {@code waiting}
 * (its last plan failed), {@code reserved} (planned, members binding), {@code bound} (every member bound and running),
 * {@code unplanned} (gpusched holds nothing for it: not filtered yet, or finished); {@code none} for an MLService whose
 * pods form no gang and {@code unknown} where this replica does not lead (followers hold no gang state).
 */
public final class GangStates {
  public static final String NONE = "none";
  public static final String UNPLANNED = "unplanned";
  public static final String UNKNOWN = "unknown";

  private GangStates() {}

  /** Gang key ({@code namespace/name}) to state, from the JSON of {@code GangScheduling.inspect()}. */
  public static Map<String, String> fromInspect(JsonNode inspect) {
    Map<String, String> states = new HashMap<>();
    // A gang in two lists (a bound gang planning a replaced member) shows the later: what is happening to it now.
    for (String state : new String[] {"bound", "waiting", "reserved"}) {
      for (JsonNode gang : inspect.path(state)) {
        states.put(gang.path("gang").asString(""), state);
      }
    }
    return states;
  }
}
