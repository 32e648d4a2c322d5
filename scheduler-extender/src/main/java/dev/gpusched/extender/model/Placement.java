package dev.gpusched.extender.model;

/** Where a pod prefers to go among nodes that fit: fill partly used nodes first, or the emptiest first. */
public enum Placement {
  BINPACK("binpack"),
  SPREAD("spread");

  private final String annotationValue;

  Placement(String annotationValue) {
    this.annotationValue = annotationValue;
  }

  public String annotationValue() {
    return annotationValue;
  }

  public static Placement parse(String value) {
    for (Placement p : values()) {
      if (p.annotationValue.equals(value)) {
        return p;
      }
    }
    throw new InvalidDemandException(Annotations.PLACEMENT + "=\"" + value + "\" is not valid: use binpack or spread");
  }
}
