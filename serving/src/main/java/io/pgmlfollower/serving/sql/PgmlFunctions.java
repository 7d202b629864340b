package io.pgmlfollower.serving.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The pgml functions the follower runs, by name; a name may have overloads (pgml.deploy). */
final class PgmlFunctions {
  private final Map<String, List<PgmlFunction>> byName = new TreeMap<>();

  PgmlFunctions(List<PgmlFunction> functions) {
    for (PgmlFunction function : functions) {
      byName.computeIfAbsent(function.name(), name -> new ArrayList<>()).add(function);
    }
  }

  /** The overloads of a name, in declaration order; empty when there is no such function. */
  List<PgmlFunction> overloads(String name) {
    return byName.getOrDefault(name, List.of());
  }

  String names() {
    return byName.keySet().stream().map(n -> "pgml." + n).collect(Collectors.joining(", "));
  }
}
