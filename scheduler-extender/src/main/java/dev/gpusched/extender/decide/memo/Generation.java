package dev.gpusched.extender.decide.memo;

/**
 * What one memo table is valid for: one snapshot layout (node positions), one set of the scorers' inputs versions and
 * one epoch of shape numbers. A table of another generation is replaced, not cleared: its entries could only be stale.
 */
record Generation(Object layout, int[] inputsVersions, int shapeEpoch) {
  boolean serves(Object layout, int[] inputsVersions, int shapeEpoch) {
    return this.layout == layout && this.shapeEpoch == shapeEpoch
        && java.util.Arrays.equals(this.inputsVersions, inputsVersions);
  }
}
