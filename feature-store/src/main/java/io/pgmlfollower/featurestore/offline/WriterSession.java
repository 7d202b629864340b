package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A connection of the store's own writers: {@code session_replication_role = replica} (the
 * read-only triggers do not fire), {@code synchronous_commit = on} (a commit is durable when it
 * returns), no autocommit, and a cache of the prepared row statements.
 */
final class WriterSession implements AutoCloseable {
  private static final int MAX_CACHED_STATEMENTS = 256;

  private final Connection connection;
  private final Map<RowStatement.Key, Cached> statements = new HashMap<>();
  private long shapeGeneration;

  private record Cached(RowStatement statement, PreparedStatement prepared) {}

  WriterSession(Connection connection) throws SQLException {
    this.connection = requireNonNull(connection, "connection is null");
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET session_replication_role = replica");
      statement.execute("SET synchronous_commit = on");
    }
    connection.setAutoCommit(false);
  }

  Connection connection() {
    return connection;
  }

  /** The prepared statement of the change's shape; cached until the tables' shapes change. */
  PreparedStatement prepared(RowStatement statement) throws SQLException {
    Cached cached = statements.get(statement.key());
    if (cached != null) {
      return cached.prepared();
    }
    if (statements.size() >= MAX_CACHED_STATEMENTS) {
      clearStatements();
    }
    PreparedStatement prepared = connection.prepareStatement(statement.sql());
    statements.put(statement.key(), new Cached(statement, prepared));
    return prepared;
  }

  /** The cached statement for a key, or null. */
  RowStatement cachedStatement(RowStatement.Key key) {
    Cached cached = statements.get(key);
    return cached == null ? null : cached.statement();
  }

  /** Drops cached statements made for older table shapes. */
  void useShapeGeneration(long generation) throws SQLException {
    if (generation != shapeGeneration) {
      clearStatements();
      shapeGeneration = generation;
    }
  }

  private void clearStatements() throws SQLException {
    SQLException failure = null;
    for (Cached cached : statements.values()) {
      try {
        cached.prepared().close();
      } catch (SQLException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    statements.clear();
    if (failure != null) {
      throw failure;
    }
  }

  boolean isUsable() {
    try {
      return !connection.isClosed();
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() throws SQLException {
    try {
      clearStatements();
    } finally {
      connection.close();
    }
  }
}
