package dev.gpusched.extender.cli;

public final class GpuschedCommand {
  public static void main(String[] args) {}
}
