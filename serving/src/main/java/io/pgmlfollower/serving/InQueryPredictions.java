package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code pgml.predict}, {@code pgml.predict_proba}, {@code pgml.decompose} and {@code
 * pgml.predict_batch} real functions of the offline store, so that they work anywhere an expression
 * may stand (select list, WHERE, ORDER BY, CTEs, joins) with PostgreSQL's own semantics, and appear
 * in the catalogs ({@code \df pgml.*}) under their real signatures.
 *
 * <p>A statement that is only a pgml call never reaches these functions: the follower answers it
 * natively. Inside a larger query, PostgreSQL calls them per row, and they ask the follower's own
 * endpoint over a per-session dblink connection with a stand-alone {@code SELECT
 * pgml.predict(...)}, which is answered natively there.
 *
 * <p>Security: the functions clients call ({@code pgml.*}) are SECURITY INVOKER: whatever they
 * evaluate on the way (a row's {@code to_jsonb}, which may reach a cast a user defined) runs with
 * the caller's rights. They pass only built-in types ({@code float8[]}, {@code jsonb}) to internal
 * SECURITY DEFINER functions in {@code pgml_follower}, which read the endpoint's credentials (a
 * table clients cannot read), quote every argument with {@code format('%L')}, call dblink
 * schema-qualified, and pin search_path with {@code pg_temp} last. dblink's own functions are not
 * executable by clients.
 */
final class InQueryPredictions {
  private static final Logger LOG = LoggerFactory.getLogger(InQueryPredictions.class);
  static final String SCHEMA = "pgml_follower";
  private static final String CONNECTION = "pgml_follower_predict";

  /** callback function, its return type, the result column of the callback query. */
  private static final String[][] CALLBACKS = {
    {"predict", "real", "p real"},
    {"predict_proba", "real[]", "p real[]"},
    {"decompose", "real[]", "p real[]"}
  };

  /** the client-facing argument type, and how it is passed on (as float8[] or jsonb). */
  private static final String[][] ARGUMENTS = {
    {"double precision[]", "$2"},
    {"real[]", "$2::float8[]"},
    {"integer[]", "$2::float8[]"},
    {"bigint[]", "$2::float8[]"},
    {"numeric[]", "$2::float8[]"},
    {"boolean[]", "to_jsonb($2)"},
    // pgml.predict('p', u) FROM users u: the row travels as JSON, matched by column name.
    {"anyelement", "to_jsonb($2)", "\"row\""}
  };

  private InQueryPredictions() {}

  /**
   * @return whether the functions are installed (an external store without dblink gets none)
   */
  static boolean install(
      DataSource owner,
      String clientRole,
      String host,
      int port,
      String database,
      String user,
      String password) {
    requireNonNull(owner, "owner is null");
    try (Connection connection = owner.getConnection()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA " + SCHEMA);
        String dblink = extensionSchema(connection);
        statement.execute(
            "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA " + SCHEMA + " FROM PUBLIC, " + clientRole);
        statement.execute(
            "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".endpoint (conninfo text NOT NULL)");
        statement.execute("REVOKE ALL ON " + SCHEMA + ".endpoint FROM PUBLIC");
        statement.execute("DELETE FROM " + SCHEMA + ".endpoint");
        try (PreparedStatement insert =
            connection.prepareStatement("INSERT INTO " + SCHEMA + ".endpoint VALUES (?)")) {
          insert.setString(1, conninfo(host, port, database, user, password));
          insert.executeUpdate();
        }
        for (String[] callback : CALLBACKS) {
          for (String input : new String[] {"float8[]", "jsonb"}) {
            statement.execute(callback(callback[0], callback[1], callback[2], input, dblink));
            grant(statement, SCHEMA + ".remote_" + callback[0], input, clientRole);
          }
          for (String[] argument : ARGUMENTS) {
            String parameter = argument.length > 2 ? argument[2] : "features";
            statement.execute(
                wrapper(callback[0], callback[1], parameter, argument[0], argument[1]));
            grant(statement, "pgml." + callback[0], argument[0], clientRole);
          }
        }
        statement.execute(batchCallback(dblink));
        grant(statement, SCHEMA + ".remote_predict_batch", "float8[]", clientRole);
        statement.execute(
            """
            CREATE OR REPLACE FUNCTION pgml.predict_batch(project_name text,
                features double precision[])
            RETURNS SETOF real LANGUAGE sql STRICT VOLATILE
            AS $fn$ SELECT * FROM %s.remote_predict_batch($1, $2) $fn$"""
                .formatted(SCHEMA));
        grant(statement, "pgml.predict_batch", "double precision[]", clientRole);
      }
      connection.commit();
      return true;
    } catch (SQLException e) {
      LOG.warn(
          "pgml.predict inside larger queries is unavailable (the offline store has no dblink?):"
              + " {}",
          e.getMessage());
      return false;
    }
  }

  /** The schema dblink lives in: ours, or wherever an administrator installed it before. */
  private static String extensionSchema(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT quote_ident(n.nspname) FROM pg_extension e"
                    + " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'dblink'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void grant(Statement statement, String function, String argument, String role)
      throws SQLException {
    statement.execute(
        "GRANT EXECUTE ON FUNCTION %s(text, %s) TO %s".formatted(function, argument, role));
  }

  /** The client-facing function: SECURITY INVOKER, STRICT (NULL in, NULL out, as PostgresML). */
  private static String wrapper(
      String name, String returns, String parameter, String argument, String passed) {
    return """
        CREATE OR REPLACE FUNCTION pgml.%1$s(project_name text, %6$s %3$s)
        RETURNS %2$s LANGUAGE sql STRICT VOLATILE
        AS $fn$ SELECT %5$s.remote_%1$s($1, %4$s) $fn$"""
        .formatted(name, returns, argument, passed, SCHEMA, parameter);
  }

  /** The internal SECURITY DEFINER function: built-in argument types only. */
  private static String callback(
      String name, String returns, String resultColumn, String input, String dblink) {
    return """
        CREATE OR REPLACE FUNCTION %6$s.remote_%1$s(project_name text, features %4$s)
        RETURNS %2$s LANGUAGE plpgsql STRICT VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
        DECLARE
          result %2$s;
        BEGIN
          IF NOT coalesce('%7$s' = ANY (%5$s.dblink_get_connections()), false) THEN
            PERFORM %5$s.dblink_connect('%7$s', (SELECT conninfo FROM %6$s.endpoint));
          END IF;
          SELECT t.p INTO result FROM %5$s.dblink('%7$s',
              format('SELECT pgml.%1$s(%%L, %%L::%4$s)', project_name, features)) AS t(%3$s);
          RETURN result;
        END
        $fn$"""
        .formatted(name, returns, resultColumn, input, dblink, SCHEMA, CONNECTION);
  }

  private static String batchCallback(String dblink) {
    return """
        CREATE OR REPLACE FUNCTION %2$s.remote_predict_batch(project_name text, features float8[])
        RETURNS SETOF real LANGUAGE plpgsql STRICT VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
        BEGIN
          IF NOT coalesce('%3$s' = ANY (%1$s.dblink_get_connections()), false) THEN
            PERFORM %1$s.dblink_connect('%3$s', (SELECT conninfo FROM %2$s.endpoint));
          END IF;
          RETURN QUERY SELECT t.p FROM %1$s.dblink('%3$s',
              format('SELECT * FROM pgml.predict_batch(%%L, %%L::float8[])', project_name,
                  features)) AS t(p real);
        END
        $fn$"""
        .formatted(dblink, SCHEMA, CONNECTION);
  }

  private static String conninfo(
      String host, int port, String database, String user, String password) {
    return "host=%s port=%d dbname=%s user=%s password=%s application_name=pgml_in_query"
        .formatted(quote(host), port, quote(database), quote(user), quote(password));
  }

  /** A libpq connection-string value: single-quoted, with \ and ' escaped. */
  private static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
