package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code CREATE FUNCTION} statements that put the pgml functions the follower answers itself into
 * the offline store's catalog under their real signatures (parameters with their defaults, result
 * columns), so that {@code \df pgml.*}, pgjdbc's DatabaseMetaData and other catalog readers see
 * them as they would on a PostgresML database. Their bodies only raise {@code 0A000}: a call that
 * is a statement of its own never reaches them (the follower answers it), and one inside a larger
 * query (which the offline store would run) gets a clear error instead of a missing function.
 *
 * <p>Generated from the same descriptions the SQL front binds calls with, so the catalog cannot
 * drift from what the endpoint accepts. SQL-language bodies: PL/pgSQL refuses a parameter and a
 * result column of the same name ({@code task} in {@code pgml.train}), SQL does not.
 */
final class CatalogDefinitions {
  /** Raises 0A000 naming the function; what every body calls. */
  static final String STATEMENT_ONLY = "pgml_follower.statement_only";

  private CatalogDefinitions() {}

  /** The helper the bodies call, created first. */
  static String helper() {
    return """
        CREATE OR REPLACE FUNCTION %s(function_name text) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $fn$
        BEGIN
          RAISE EXCEPTION USING
            ERRCODE = 'feature_not_supported',
            MESSAGE = format('%%s runs only as a statement of its own on the follower''s endpoint',
                function_name),
            HINT = format('call it alone, e.g. SELECT * FROM %%s(...), not inside a larger query',
                function_name);
        END
        $fn$"""
        .formatted(STATEMENT_ONLY);
  }

  /**
   * One statement per function, except those named in {@code skip} (created elsewhere with real
   * bodies, e.g. the predictions usable inside queries).
   */
  static List<String> of(List<PgmlFunction> functions, Set<String> skip) {
    List<String> statements = new ArrayList<>();
    for (PgmlFunction function : functions) {
      if (!skip.contains(function.name())) {
        statements.add(definition(function));
      }
    }
    return statements;
  }

  static String definition(PgmlFunction function) {
    requireNonNull(function, "function is null");
    String parameters =
        function.parameters().stream()
            .map(
                p ->
                    quote(p.name())
                        + " "
                        + sqlType(p.type())
                        + (p.required() ? "" : " DEFAULT " + literal(p.defaultValue())))
            .collect(Collectors.joining(", "));
    List<ColumnDescription> columns = function.columns();
    boolean scalar = columns.size() == 1 && columns.getFirst().name().equals(function.name());
    String returns =
        scalar
            ? sqlType(columns.getFirst().type())
            : "TABLE("
                + columns.stream()
                    .map(c -> quote(c.name()) + " " + sqlType(c.type()))
                    .collect(Collectors.joining(", "))
                + ")";
    String nulls =
        columns.stream().map(c -> "NULL::" + sqlType(c.type())).collect(Collectors.joining(", "));
    return "CREATE FUNCTION pgml."
        + quote(function.name())
        + "("
        + parameters
        + ") RETURNS "
        + returns
        + " LANGUAGE sql VOLATILE AS $fn$ SELECT "
        + nulls
        + " WHERE "
        + STATEMENT_ONLY
        + "('pgml."
        + function.name()
        + "') $fn$";
  }

  /** The type's name as PostgreSQL spells it in DDL. */
  static String sqlType(PgType type) {
    return switch (type) {
      case BOOL -> "boolean";
      case BYTEA -> "bytea";
      case INT8 -> "bigint";
      case INT2 -> "smallint";
      case INT4 -> "integer";
      case TEXT, UNKNOWN -> "text";
      case JSON -> "json";
      case FLOAT4 -> "real";
      case FLOAT8 -> "double precision";
      case VARCHAR -> "character varying";
      case DATE -> "date";
      case TIMESTAMP -> "timestamp without time zone";
      case TIMESTAMPTZ -> "timestamp with time zone";
      case NUMERIC -> "numeric";
      case UUID -> "uuid";
      case JSONB -> "jsonb";
      case BOOL_ARRAY -> "boolean[]";
      case INT2_ARRAY -> "smallint[]";
      case INT4_ARRAY -> "integer[]";
      case TEXT_ARRAY -> "text[]";
      case INT8_ARRAY -> "bigint[]";
      case FLOAT4_ARRAY -> "real[]";
      case FLOAT8_ARRAY -> "double precision[]";
      case NUMERIC_ARRAY -> "numeric[]";
    };
  }

  private static String literal(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    return "'" + value.toString().replace("'", "''") + "'";
  }

  /** Identifiers as PostgreSQL quotes them: only when needed ({@code "row"}). */
  private static String quote(String name) {
    boolean plain = name.matches("[a-z_][a-z0-9_]*") && !RESERVED.contains(name);
    return plain ? name : "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static final Set<String> RESERVED = Set.of("row", "table", "user", "order", "group");
}
