package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pgml.train}'s hyperparameter search: {@code search} ({@code grid} or {@code random}),
 * {@code search_params} (each hyperparameter with the list of values to try) and {@code
 * search_args} ({@code n_iter}, random only, default 10; {@code cv}, the folds of the
 * cross-validation, default 3).
 *
 * @param params hyperparameter name to candidate values, in the order given
 */
public record SearchSpec(Kind kind, Map<String, List<Object>> params, int nIter, int folds) {
  public static final int DEFAULT_N_ITER = 10;
  public static final int DEFAULT_FOLDS = 3;

  public enum Kind {
    GRID,
    RANDOM;

    public String sqlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SearchSpec {
    requireNonNull(kind, "kind is null");
    params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /**
   * The search the arguments ask for; empty when they ask for none. As PostgresML: {@code
   * search_params} without {@code search} is a grid search.
   *
   * @throws TrainerException INVALID_ARGUMENT naming the argument at fault
   */
  public static Optional<SearchSpec> of(
      String search, Map<String, Object> searchParams, Map<String, Object> searchArgs) {
    Map<String, Object> params = searchParams == null ? Map.of() : searchParams;
    Map<String, Object> args = searchArgs == null ? Map.of() : searchArgs;
    if (search == null && params.isEmpty()) {
      if (!args.isEmpty()) {
        throw invalid("search_args is given without search_params: nothing to search over");
      }
      return Optional.empty();
    }
    Kind kind;
    if (search == null) {
      kind = Kind.GRID;
    } else {
      try {
        kind = Kind.valueOf(search.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw invalid("search must be grid or random, got '" + search + "'");
      }
    }
    if (params.isEmpty()) {
      throw invalid(
          "search " + kind.sqlName() + " needs search_params, e.g. '{\"max_depth\": [2, 4, 6]}'");
    }
    Map<String, List<Object>> candidates = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : params.entrySet()) {
      if (!(entry.getValue() instanceof List<?> values) || values.isEmpty()) {
        throw invalid(
            "search_params."
                + entry.getKey()
                + " must be a non-empty JSON array of the values to try, got "
                + entry.getValue());
      }
      candidates.put(entry.getKey().toLowerCase(Locale.ROOT), new ArrayList<>(values));
    }
    for (String name : args.keySet()) {
      if (!Set.of("n_iter", "cv").contains(name)) {
        throw invalid("unknown search_args key '" + name + "': valid keys are cv, n_iter");
      }
    }
    int nIter = intArg(args, "n_iter", DEFAULT_N_ITER, 1, 10_000);
    int folds = intArg(args, "cv", DEFAULT_FOLDS, 2, 100);
    return Optional.of(new SearchSpec(kind, candidates, nIter, folds));
  }

  /** The arguments as stored on the model row ({@code pgml.models.search_args}). */
  public Map<String, Object> args() {
    Map<String, Object> args = new LinkedHashMap<>();
    if (kind == Kind.RANDOM) {
      args.put("n_iter", nIter);
    }
    args.put("cv", folds);
    return args;
  }

  private static int intArg(
      Map<String, Object> args, String name, int defaultValue, int min, int max) {
    Object value = args.get(name);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Number number
        && number.doubleValue() == Math.rint(number.doubleValue())
        && number.doubleValue() >= min
        && number.doubleValue() <= max) {
      return number.intValue();
    }
    throw invalid(
        "search_args."
            + name
            + " must be an integer from "
            + min
            + " to "
            + max
            + ", got "
            + value);
  }

  private static TrainerException invalid(String message) {
    return new TrainerException(TrainerErrorCode.INVALID_ARGUMENT, message);
  }
}
