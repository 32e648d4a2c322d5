package dev.gpusched.deploy.kro;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles and evaluates kro's CEL expressions with CEL-Java: {@code schema} is the instance (a map), every resource
 * id is a dynamic variable; standard library and macros plus the extensions kro enables that CEL-Java has (optional
 * types, strings, lists, encoders, bindings) and the kro functions the RGD uses ({@link KroFunctions}). Results come
 * back as plain Java trees (Long, Double, String, Boolean, List, Map), or {@link KroFunctions#OMIT}.
 */
public final class CelEvaluator {
  private final Cel cel;
  private final Set<String> variables = new HashSet<>();

  /** An evaluator that knows {@code schema} and the given resource ids. */
  public CelEvaluator(Collection<String> resourceIds) {
    var builder = CelFactory.standardCelBuilder()
        .setOptions(CelOptions.current().enableOptionalSyntax(true).build())
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addFunctionDeclarations(KroFunctions.declarations())
        .addFunctionBindings(KroFunctions.bindings())
        .addVar("schema", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addCompilerLibraries(CelExtensions.optional(), CelExtensions.strings(), CelExtensions.lists(),
            CelExtensions.encoders(), CelExtensions.bindings())
        .addRuntimeLibraries(CelExtensions.optional(), CelExtensions.strings(), CelExtensions.lists(),
            CelExtensions.encoders());
    variables.add("schema");
    for (String id : resourceIds) {
      builder.addVar(id, SimpleType.DYN);
      variables.add(id);
    }
    this.cel = builder.build();
  }

  /** Parses and type-checks an expression; throws with CEL's message and the expression when it does not compile. */
  public CelAbstractSyntaxTree compile(String expression) {
    CelValidationResult result = cel.compile(expression);
    if (result.hasError()) {
      throw new IllegalArgumentException("CEL expression does not compile: ${" + expression + "}\n" + result.getErrorString());
    }
    try {
      return result.getAst();
    } catch (CelValidationException e) {
      throw new IllegalArgumentException("CEL expression does not compile: ${" + expression + "}: " + e.getMessage(), e);
    }
  }

  /** The variables (schema, resource ids) an expression reads. */
  public Set<String> variablesOf(String expression) {
    Set<String> names = new TreeSet<>();
    for (var reference : compile(expression).getReferenceMap().values()) {
      if (variables.contains(reference.name())) {
        names.add(reference.name());
      }
    }
    return names;
  }

  /** Evaluates an expression against the variables; throws naming the expression when evaluation fails. */
  public Object evaluate(String expression, Map<String, ?> variables) {
    CelAbstractSyntaxTree ast = compile(expression);
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> celVariables = (Map<String, Object>) toCel(variables);
      return toPlain(cel.createProgram(ast).eval(celVariables), expression);
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException("CEL expression failed: ${" + expression + "}: " + e.getMessage(), e);
    }
  }

  /** YAML trees hold Integer where CEL wants Long (int) and Double (double); converts recursively. */
  static Object toCel(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.put(String.valueOf(e.getKey()), toCel(e.getValue()));
      }
      return out;
    }
    if (node instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object value : list) {
        out.add(toCel(value));
      }
      return out;
    }
    if (node instanceof Integer || node instanceof Short || node instanceof Byte) {
      return ((Number) node).longValue();
    }
    if (node instanceof Float f) {
      return f.doubleValue();
    }
    if (node instanceof java.math.BigInteger b) {
      return b.longValueExact();
    }
    if (node instanceof java.math.BigDecimal d) {
      return d.doubleValue();
    }
    return node;
  }

  private static Object toPlain(Object value, String expression) {
    if (value instanceof Optional<?> optional) {
      if (optional.isEmpty()) {
        throw new IllegalArgumentException("CEL expression ${" + expression + "} evaluated to an empty optional;"
            + " end it with .orValue(default)");
      }
      return toPlain(optional.get(), expression);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.put(String.valueOf(e.getKey()), toPlain(e.getValue(), expression));
      }
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object v : list) {
        out.add(toPlain(v, expression));
      }
      return out;
    }
    if (value instanceof Long || value instanceof String || value instanceof Boolean || value instanceof Double
        || value == KroFunctions.OMIT) {
      return value;
    }
    if (value == null || value.getClass().getSimpleName().equals("NullValue")) {
      return null;
    }
    throw new IllegalArgumentException("CEL expression ${" + expression + "} returned a " + value.getClass().getName()
        + ", which has no place in a Kubernetes object");
  }
}
