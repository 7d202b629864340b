package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Declares the pgml functions the endpoint answers itself in the offline store's catalog (see
 * {@code CatalogDefinitions}), at every start: the follower's functions of an earlier version are
 * dropped first (a changed result type cannot be replaced in place), all in one transaction.
 */
final class CatalogFunctions {
  /** Created with real bodies by {@link InQueryPredictions}; left alone here. */
  static final Set<String> IN_QUERY =
      Set.of("predict", "predict_proba", "decompose", "predict_batch");

  private CatalogFunctions() {}

  static void install(DataSource owner, List<String> definitions) throws SQLException {
    requireNonNull(owner, "owner is null");
    try (Connection connection = owner.getConnection()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        for (String function : existing(connection)) {
          statement.execute("DROP FUNCTION " + function);
        }
        for (String definition : definitions) {
          statement.execute(definition);
        }
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /** The pgml schema's functions other than the in-query ones, as regprocedure text. */
  private static List<String> existing(Connection connection) throws SQLException {
    List<String> functions = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
                + " JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname = 'pgml' AND NOT p.proname = ANY (?)")) {
      query.setArray(1, connection.createArrayOf("text", IN_QUERY.toArray()));
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          functions.add(rs.getString(1));
        }
      }
    }
    return functions;
  }
}
