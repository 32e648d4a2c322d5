package dev.gpusched.extender.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class or method that runs external programs: skipped, with what to install, where one is missing,
 * before anything of the class starts (so a shared server in {@code @BeforeAll} is never half started); failed instead
 * where tools are required ({@link ExternalTool#required()}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresTool.Condition.class)
public @interface RequiresTool {

  /** The programs, by their names on PATH: one of {@link ExternalTool}'s constants, such as {@code prometheus}. */
  String[] value();

  /** Looks the programs up once per annotated class or method. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getElement()
          .map(e -> e.getAnnotation(RequiresTool.class))
          .map(a -> evaluate(Arrays.stream(a.value()).map(ExternalTool::named).toList()))
          .orElse(ConditionEvaluationResult.enabled("no external tool needed"));
    }

    private static ConditionEvaluationResult evaluate(List<ExternalTool> tools) {
      List<String> missing = tools.stream().filter(t -> t.find().isEmpty()).map(ExternalTool::missingReason).toList();
      if (missing.isEmpty()) {
        return ConditionEvaluationResult.enabled(tools.stream().map(ExternalTool::command).toList() + " found");
      }
      String reason = String.join("; and ", missing);
      if (ExternalTool.required()) {
        throw new AssertionError(reason + " (tools are required here: GPUSCHED_REQUIRE_TOOLS / gpusched.requireTools)");
      }
      System.err.println("[SKIPPED] " + reason);
      return ConditionEvaluationResult.disabled(reason);
    }
  }
}
