package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code pgml.predict} and {@code pgml.predict_proba} real functions of the offline store, so
 * that they work anywhere a scalar expression may stand (select list, WHERE, ORDER BY, CTEs, joins)
 * with PostgreSQL's own semantics, and appear in the catalogs ({@code \df pgml.*}) under their real
 * signatures.
 *
 * <p>A statement that is only a pgml call never reaches these functions: the follower answers it
 * natively. Inside a larger query, the function asks the follower's own endpoint over a per-session
 * dblink connection with a bare {@code SELECT pgml.predict(...)}, which is answered natively there.
 * The functions are SECURITY DEFINER (dblink needs no password use then, and the endpoint's
 * credentials stay in a table clients cannot read), run a fixed query text with every argument
 * quoted by {@code format('%L')}, and pin their search_path.
 */
final class InQueryPredictions {
  private static final Logger LOG = LoggerFactory.getLogger(InQueryPredictions.class);
  static final String SCHEMA = "pgml_follower";
  private static final String CONNECTION = "pgml_follower_predict";

  /** name, return type, result column of the callback query. */
  private static final String[][] FUNCTIONS = {
    {"predict", "real", "p real"}, {"predict_proba", "real[]", "p real[]"}
  };

  /** the declared argument, what is sent, its cast in the callback, the argument type alone. */
  private static final String[][] ARGUMENTS = {
    {"features double precision[]", "features", "float8[]", "double precision[]"},
    {"features real[]", "features::float8[]", "float8[]", "real[]"},
    {"features integer[]", "features::float8[]", "float8[]", "integer[]"},
    {"features bigint[]", "features::float8[]", "float8[]", "bigint[]"},
    {"features numeric[]", "features::float8[]", "float8[]", "numeric[]"},
    {"features boolean[]", "to_jsonb(features)", "jsonb", "boolean[]"},
    // pgml.predict('p', u) FROM users u: the row travels as JSON, matched by column name.
    {"\"row\" anyelement", "to_jsonb(\"row\")", "jsonb", "anyelement"}
  };

  private static final String PREDICT_BATCH =
      """
      CREATE OR REPLACE FUNCTION pgml.predict_batch(project_name text, features double precision[])
      RETURNS SETOF real LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, %1$s
      AS $fn$
      BEGIN
        IF NOT coalesce('%2$s' = ANY (%1$s.dblink_get_connections()), false) THEN
          PERFORM %1$s.dblink_connect('%2$s', (SELECT conninfo FROM %1$s.endpoint));
        END IF;
        RETURN QUERY SELECT t.p FROM %1$s.dblink('%2$s',
            format('SELECT * FROM pgml.predict_batch(%%L, %%L::float8[])', project_name, features))
            AS t(p real);
      END
      $fn$"""
          .formatted(SCHEMA, CONNECTION);

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
        statement.execute(
            "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".endpoint (conninfo text NOT NULL)");
        statement.execute("REVOKE ALL ON " + SCHEMA + ".endpoint FROM PUBLIC");
        statement.execute("DELETE FROM " + SCHEMA + ".endpoint");
        try (PreparedStatement insert =
            connection.prepareStatement("INSERT INTO " + SCHEMA + ".endpoint VALUES (?)")) {
          insert.setString(1, conninfo(host, port, database, user, password));
          insert.executeUpdate();
        }
        // One exact overload per array type, so that PostgreSQL never finds a call ambiguous
        // between an array and the row form (anyelement); boolean[] travels as JSON.
        for (String[] function : FUNCTIONS) {
          for (String[] argument : ARGUMENTS) {
            statement.execute(
                function(
                    function[0], function[1], function[2], argument[0], argument[1], argument[2]));
            statement.execute(
                "GRANT EXECUTE ON FUNCTION pgml.%s(text, %s) TO %s"
                    .formatted(function[0], argument[3], clientRole));
          }
        }
        statement.execute(PREDICT_BATCH);
        statement.execute(
            "GRANT EXECUTE ON FUNCTION pgml.predict_batch(text, double precision[]) TO "
                + clientRole);
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

  private static String function(
      String name,
      String returns,
      String resultColumn,
      String argument,
      String passed,
      String cast) {
    return """
        CREATE OR REPLACE FUNCTION pgml.%1$s(project_name text, %4$s)
        RETURNS %2$s LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, %6$s
        AS $fn$
        DECLARE
          result %2$s;
        BEGIN
          IF NOT coalesce('%7$s' = ANY (%6$s.dblink_get_connections()), false) THEN
            PERFORM %6$s.dblink_connect('%7$s', (SELECT conninfo FROM %6$s.endpoint));
          END IF;
          SELECT t.p INTO result FROM %6$s.dblink('%7$s',
              format('SELECT pgml.%1$s(%%L, %%L::%5$s)', project_name, %8$s)) AS t(%3$s);
          RETURN result;
        END
        $fn$"""
        .formatted(name, returns, resultColumn, argument, cast, SCHEMA, CONNECTION, passed);
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
