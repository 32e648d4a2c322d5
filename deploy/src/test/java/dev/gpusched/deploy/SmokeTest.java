package dev.gpusched.deploy;
import org.junit.jupiter.api.Test;
class SmokeTest { @Test void ok() {} }
