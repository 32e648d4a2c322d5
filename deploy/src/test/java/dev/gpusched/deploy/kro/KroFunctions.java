package dev.gpusched.deploy.kro;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.runtime.CelFunctionBinding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CEL functions kro adds that the RGD uses and CEL-Java lacks, written as kro's sources define them:
 * {@code hash.fnv64a(string)} (FNV-1a 64-bit, as bytes; kro's pkg/cel/library/hash.go), {@code string.format(list)}
 * for the verbs {@code %s}, {@code %d} and {@code %x} (cel-go's strings extension; {@code %x} of bytes is lower-case
 * hex), and {@code omit()}, whose value removes the field it is assigned to (kro's pkg/cel/library/omit.go).
 */
final class KroFunctions {
  /** The value of {@code omit()}: the renderer leaves out a field that evaluates to it. */
  static final Object OMIT = new Object() {
    @Override
    public String toString() {
      return "omit()";
    }
  };

  private static final Pattern VERB = Pattern.compile("%([sdx%])");

  private KroFunctions() {}

  static List<CelFunctionDecl> declarations() {
    return List.of(
        CelFunctionDecl.newFunctionDeclaration("hash.fnv64a",
            CelOverloadDecl.newGlobalOverload("hash_fnv64a_string", SimpleType.BYTES, SimpleType.STRING)),
        CelFunctionDecl.newFunctionDeclaration("format",
            CelOverloadDecl.newMemberOverload("string_format_list", SimpleType.STRING, SimpleType.STRING,
                ListType.create(SimpleType.DYN))),
        CelFunctionDecl.newFunctionDeclaration("omit", CelOverloadDecl.newGlobalOverload("omit", SimpleType.DYN)));
  }

  static List<CelFunctionBinding> bindings() {
    return List.of(
        CelFunctionBinding.from("hash_fnv64a_string", String.class, s -> CelByteString.of(fnv64a(s))),
        CelFunctionBinding.from("string_format_list", String.class, List.class, KroFunctions::format),
        CelFunctionBinding.from("omit", List.of(), args -> OMIT));
  }

  /** FNV-1a, 64 bits, big-endian bytes (Go's hash/fnv New64a().Sum(nil)). */
  static byte[] fnv64a(String value) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    byte[] out = new byte[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) hash;
      hash >>>= 8;
    }
    return out;
  }

  private static String format(String template, List<?> args) {
    Matcher m = VERB.matcher(template);
    StringBuilder out = new StringBuilder();
    int next = 0;
    while (m.find()) {
      String verb = m.group(1);
      if (verb.equals("%")) {
        m.appendReplacement(out, "%");
        continue;
      }
      if (next >= args.size()) {
        throw new IllegalArgumentException("format \"" + template + "\": more verbs than the " + args.size() + " arguments");
      }
      Object arg = args.get(next++);
      String text = switch (verb) {
        case "x" -> hex(arg);
        case "d" -> String.valueOf(((Number) arg).longValue());
        default -> String.valueOf(arg);
      };
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String hex(Object arg) {
    if (arg instanceof CelByteString bytes) {
      StringBuilder out = new StringBuilder();
      for (byte b : bytes.toByteArray()) {
        out.append(String.format("%02x", b & 0xff));
      }
      return out.toString();
    }
    if (arg instanceof Long n) {
      return Long.toHexString(n);
    }
    if (arg instanceof String s) {
      return hex(CelByteString.copyFromUtf8(s));
    }
    throw new IllegalArgumentException("format %x of a " + arg.getClass().getSimpleName() + " is not supported here");
  }
}
