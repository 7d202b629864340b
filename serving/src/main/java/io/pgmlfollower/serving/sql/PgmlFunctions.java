package io.pgmlfollower.serving.sql;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The pgml functions the follower runs, by name. */
final class PgmlFunctions {
  private final Map<String, PgmlFunction> byName;

  PgmlFunctions(List<PgmlFunction> functions) {
    this.byName =
        functions.stream()
            .collect(
                Collectors.toMap(
                    PgmlFunction::name, Function.identity(), (a, b) -> a, TreeMap::new));
  }

  PgmlFunction get(String name) {
    return byName.get(name);
  }

  String names() {
    return byName.keySet().stream().map(n -> "pgml." + n).collect(Collectors.joining(", "));
  }
}
