package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.QueryResult;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.serving.sql.PgmlCall.CallArgument;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A pgml call bound to its function: arguments matched to parameters when prepared. */
final class PgmlLocalStatement implements LocalStatement {
  private final PgmlFunction function;
  private final Argument[] arguments; // per function parameter; null = omitted
  private final List<PgType> parameterTypes;
  private final List<ColumnDescription> columns;

  private PgmlLocalStatement(
      PgmlFunction function,
      Argument[] arguments,
      List<PgType> parameterTypes,
      List<ColumnDescription> columns) {
    this.function = function;
    this.arguments = arguments;
    this.parameterTypes = parameterTypes;
    this.columns = columns;
  }

  static PgmlLocalStatement bind(PgmlFunction function, PgmlCall call, int[] declaredOids)
      throws PgWireException {
    requireNonNull(function, "function is null");
    List<FunctionParameter> parameters = function.parameters();
    Argument[] arguments = new Argument[parameters.size()];
    int position = 0;
    for (CallArgument argument : call.arguments()) {
      int index;
      if (argument.name() == null) {
        index = position++;
        if (index >= parameters.size()) {
          throw noSuchSignature(function, call);
        }
      } else {
        index = indexOf(parameters, argument.name());
        if (index < 0) {
          throw noSuchSignature(function, call);
        }
        if (arguments[index] != null) {
          throw new PgWireException(
              SqlState.SYNTAX_ERROR,
              "argument name \"%s\" used more than once in pgml.%s"
                  .formatted(argument.name(), function.name()));
        }
      }
      arguments[index] = argument.value();
    }
    for (int i = 0; i < parameters.size(); i++) {
      if (arguments[i] == null && parameters.get(i).required()) {
        throw noSuchSignature(function, call);
      }
      if (arguments[i] != null && !fits(arguments[i], parameters.get(i).type(), declaredOids)) {
        throw noSuchSignature(function, call);
      }
    }
    List<PgType> parameterTypes = parameterTypes(parameters, arguments, declaredOids);
    List<ColumnDescription> columns =
        call.fromClause() || function.columns().size() != 1
            ? function.columns()
            : List.of(
                new ColumnDescription(
                    call.columnAlias() != null ? call.columnAlias() : function.name(),
                    function.columns().getFirst().type()));
    return new PgmlLocalStatement(function, arguments, parameterTypes, columns);
  }

  @Override
  public List<PgType> parameterTypes() {
    return parameterTypes;
  }

  @Override
  public List<ColumnDescription> columns() {
    return columns;
  }

  @Override
  public boolean blocking() {
    return function.blocking();
  }

  /** Asks the function about the call's project, when the call names it as text. */
  @Override
  public boolean blocking(List<Object> parameters) {
    if (!function.blocking()) {
      return false;
    }
    int project = indexOf(function.parameters(), "project_name");
    if (project < 0 || arguments[project] == null) {
      return true;
    }
    try {
      return !(arguments[project].evaluate(parameters) instanceof String name)
          || function.blocking(name);
    } catch (PgWireException | RuntimeException e) {
      return true; // the worker thread runs the call and reports the error
    }
  }

  @Override
  public QueryResult execute(List<Object> parameters, Cancellation cancel) throws PgWireException {
    List<FunctionParameter> declared = function.parameters();
    Object[] values = new Object[declared.size()];
    boolean[] given = new boolean[declared.size()];
    for (int i = 0; i < values.length; i++) {
      FunctionParameter parameter = declared.get(i);
      if (arguments[i] == null) {
        values[i] = parameter.defaultValue();
      } else {
        given[i] = true;
        values[i] =
            Values.convert(
                arguments[i].evaluate(parameters),
                parameter.type(),
                "pgml." + function.name() + " " + parameter.name());
      }
    }
    List<Object[]> rows =
        function.invoke(new BoundArguments(function.name(), declared, values, given), cancel);
    return QueryResult.of(rows);
  }

  private static List<PgType> parameterTypes(
      List<FunctionParameter> parameters, Argument[] arguments, int[] declaredOids) {
    List<PgType> types = new ArrayList<>();
    for (int i = 0; i < arguments.length; i++) {
      collect(arguments[i], parameters.get(i).type(), types);
    }
    for (int i = 0; i < declaredOids.length; i++) {
      PgType declared = PgType.fromOid(declaredOids[i]);
      while (types.size() <= i) {
        types.add(PgType.TEXT);
      }
      if (declared != null) {
        types.set(i, declared);
      }
    }
    return List.copyOf(types);
  }

  /** Infers each {@code $n}'s type from where it stands: a cast, an ARRAY element, a parameter. */
  private static void collect(Argument argument, PgType expected, List<PgType> types) {
    switch (argument) {
      case null -> {}
      case Argument.Parameter p -> {
        while (types.size() < p.index()) {
          types.add(PgType.TEXT);
        }
        types.set(p.index() - 1, expected);
      }
      case Argument.Cast c -> collect(c.inner(), c.target(), types);
      case Argument.ArrayOf a -> a.elements().forEach(e -> collect(e, PgType.FLOAT8, types));
      case Argument.Negated n -> collect(n.inner(), PgType.FLOAT8, types);
      case Argument.Constant ignored -> {}
    }
  }

  /**
   * Whether an argument can be passed as the type: explicitly typed arguments (casts, ARRAY[...])
   * and parameters the client typed must be of the same kind, which is how overloads such as
   * predict(text, float8[]) and predict(text, jsonb) are told apart; literals and untyped
   * parameters fit any type, as PostgreSQL's unknown-typed literals do.
   */
  private static boolean fits(Argument argument, PgType type, int[] declaredOids) {
    return switch (argument) {
      case Argument.Cast cast -> kind(cast.target()) == kind(type);
      case Argument.ArrayOf ignored -> kind(type) == Kind.ARRAY;
      // A parameter the client typed in Parse (e.g. jsonb for a JDBC PGobject) is typed too.
      case Argument.Parameter p
          when p.index() <= declaredOids.length
              && PgType.fromOid(declaredOids[p.index() - 1]) != null ->
          kind(PgType.fromOid(declaredOids[p.index() - 1])) == kind(type);
      default -> true;
    };
  }

  private enum Kind {
    ARRAY,
    JSON,
    TEXT,
    NUMBER,
    BOOL,
    OTHER
  }

  private static Kind kind(PgType type) {
    return switch (type) {
      case BOOL_ARRAY,
          INT2_ARRAY,
          INT4_ARRAY,
          INT8_ARRAY,
          FLOAT4_ARRAY,
          FLOAT8_ARRAY,
          NUMERIC_ARRAY,
          TEXT_ARRAY ->
          Kind.ARRAY;
      case JSON, JSONB -> Kind.JSON;
      case TEXT, VARCHAR, UNKNOWN -> Kind.TEXT;
      case INT2, INT4, INT8, FLOAT4, FLOAT8, NUMERIC -> Kind.NUMBER;
      case BOOL -> Kind.BOOL;
      default -> Kind.OTHER;
    };
  }

  private static int indexOf(List<FunctionParameter> parameters, String name) {
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static PgWireException noSuchSignature(PgmlFunction function, PgmlCall call) {
    String signature =
        function.parameters().stream()
            .map(
                p ->
                    p.name()
                        + " "
                        + p.type().name().toLowerCase(java.util.Locale.ROOT)
                        + (p.required() ? "" : " DEFAULT " + p.defaultValue()))
            .collect(Collectors.joining(", "));
    String given =
        call.arguments().stream()
            .map(a -> a.name() == null ? "?" : a.name() + " => ?")
            .collect(Collectors.joining(", "));
    return new PgWireException(
        SqlState.UNDEFINED_FUNCTION,
        "function pgml.%s(%s) does not exist".formatted(function.name(), given),
        "pgml.%s takes (%s)".formatted(function.name(), signature));
  }

  @Override
  public String toString() {
    return "pgml." + function.name() + Arrays.toString(arguments);
  }
}
