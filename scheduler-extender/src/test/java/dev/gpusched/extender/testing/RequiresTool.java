package dev.gpusched.extender.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
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

  /** The programs, by their names on PATH: {@code prometheus}, {@code promtool}, {@code node}, {@code npm}. */
  String[] value();

  /** Looks the programs up once per annotated class or method. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getElement()
          .map(e -> e.getAnnotation(RequiresTool.class))
          .map(a -> {
            for (String command : a.value()) {
              ConditionEvaluationResult result = evaluate(ExternalTool.named(command));
              if (result.isDisabled()) {
                return result;
              }
            }
            return ConditionEvaluationResult.enabled(String.join(", ", a.value()) + " found");
          })
          .orElse(ConditionEvaluationResult.enabled("no external tool needed"));
    }

    private static ConditionEvaluationResult evaluate(ExternalTool tool) {
      if (tool.find().isPresent()) {
        return ConditionEvaluationResult.enabled(tool.command() + " found");
      }
      String reason = tool.missingReason();
      if (ExternalTool.required()) {
        throw new AssertionError(reason + " (tools are required here: GPUSCHED_REQUIRE_TOOLS / gpusched.requireTools)");
      }
      System.err.println("[SKIPPED] " + reason);
      return ConditionEvaluationResult.disabled(reason);
    }
  }
}
