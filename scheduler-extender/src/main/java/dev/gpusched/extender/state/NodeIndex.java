package dev.gpusched.extender.state;

/**
 * Node name to snapshot position, immutable: an open-addressing table (linear probing, at most half full) that keeps
 * each name's hash beside its position, so a lookup compares ints before it touches a String and never boxes. It
 * replaces a {@code HashMap<String, Integer>} on the per-node path of filter and prioritize, where every candidate
 * name is looked up once per call.
 *
 * <p>Names arrive freshly decoded from each request, so their {@code String.hashCode} is never cached, and that
 * hash (one dependent multiply per character) was a fifth of the server's time at 5,000 nodes. {@link #hash} runs two
 * independent rotate-xor lanes instead, and mixes them once at the end.
 */
public final class NodeIndex {
  public static final NodeIndex EMPTY = of(new String[0]);

  private final String[] keys;
  /** Per slot: the key's spread hash at {@code 2i}, its position at {@code 2i + 1}. */
  private final int[] hashAndPosition;
  private final int mask;
  private final int size;

  private NodeIndex(String[] keys, int[] hashAndPosition, int size) {
    this.keys = keys;
    this.hashAndPosition = hashAndPosition;
    this.mask = keys.length - 1;
    this.size = size;
  }

  /** The index of {@code names}: name {@code names[i]} maps to {@code i}. Names must be distinct and non-null. */
  public static NodeIndex of(String[] names) {
    int capacity = Integer.highestOneBit(Math.max(2, names.length * 2 - 1)) << 1;
    String[] keys = new String[capacity];
    int[] slots = new int[capacity * 2];
    int mask = capacity - 1;
    for (int position = 0; position < names.length; position++) {
      String name = names[position];
      int h = hash(name);
      int i = h & mask;
      while (keys[i] != null) {
        if (keys[i].equals(name)) {
          throw new IllegalArgumentException("node name " + name + " appears twice; node names are unique");
        }
        i = (i + 1) & mask;
      }
      keys[i] = name;
      slots[2 * i] = h;
      slots[2 * i + 1] = position;
    }
    return new NodeIndex(keys, slots, names.length);
  }

  /** Position of the node, or -1 when the index does not hold it. */
  public int indexOf(String name) {
    int h = hash(name);
    for (int i = h & mask; ; i = (i + 1) & mask) {
      String key = keys[i];
      if (key == null) {
        return -1;
      }
      if (hashAndPosition[2 * i] == h && (key == name || key.equals(name))) {
        return hashAndPosition[2 * i + 1];
      }
    }
  }

  public boolean contains(String name) {
    return indexOf(name) >= 0;
  }

  public int size() {
    return size;
  }

  /**
   * The table's hash of a name: two rotate-xor lanes over alternate characters (short dependency chains), then a
   * multiplicative mix so names that differ only in their last characters, as node names do, spread over the table.
   */
  static int hash(String name) {
    int n = name.length();
    int even = n;
    int odd = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      even = Integer.rotateLeft(even, 7) ^ name.charAt(i);
      odd = Integer.rotateLeft(odd, 7) ^ name.charAt(i + 1);
    }
    if (i < n) {
      even = Integer.rotateLeft(even, 7) ^ name.charAt(i);
    }
    int h = even * 0x9E3779B9 + odd * 0x85EBCA6B;
    return h ^ (h >>> 15);
  }
}
