package dev.gpusched.extender.state;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Small numbers for GPU product names (lower case), one per distinct name in the process: a cluster has a handful of
 * products, so a call that matches a pod's allowed models against thousands of nodes matches each product once and
 * reads the rest by number ({@code GpuModelFit}).
 */
public final class GpuProducts {
  /** More distinct names than this get {@link #UNNUMBERED}: the numbers stay dense even under label noise. */
  public static final int MAX_PRODUCTS = 4_096;
  /** The number of a name beyond {@link #MAX_PRODUCTS}: its verdict is computed every time. */
  public static final int UNNUMBERED = -1;

  private static final ConcurrentHashMap<String, Integer> NUMBERS = new ConcurrentHashMap<>();

  private GpuProducts() {}

  /** The name's number, 0 .. {@link #MAX_PRODUCTS} - 1, the same for equal names; or {@link #UNNUMBERED}. */
  public static int numberOf(String productLowerCase) {
    Integer known = NUMBERS.get(productLowerCase);
    if (known != null) {
      return known;
    }
    synchronized (NUMBERS) {
      known = NUMBERS.get(productLowerCase);
      if (known != null) {
        return known;
      }
      if (NUMBERS.size() >= MAX_PRODUCTS) {
        return UNNUMBERED;
      }
      int number = NUMBERS.size();
      NUMBERS.put(productLowerCase, number);
      return number;
    }
  }
}
