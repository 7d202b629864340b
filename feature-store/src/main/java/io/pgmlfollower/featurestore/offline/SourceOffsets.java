package io.pgmlfollower.featurestore.offline;

import io.pgmlfollower.featurestore.spi.SourceOffset;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table of source offsets, written in the same local transaction as the data they complete, so
 * that after a crash the stored offset says exactly what the store holds.
 */
final class SourceOffsets {
  private static final String TABLE = ReadOnlyTables.SCHEMA + ".source_offsets";

  private SourceOffsets() {}

  static void createTable(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA IF NOT EXISTS " + ReadOnlyTables.SCHEMA);
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (source text NOT NULL, partition text NOT NULL, position bigint NOT NULL,"
              + " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, partition))");
      // Stores created before resume data existed (a Debezium connector offset).
      statement.execute("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS resume text");
    }
  }

  static Map<String, Long> read(Connection connection, String source) throws SQLException {
    Map<String, Long> offsets = new LinkedHashMap<>();
    readPositions(connection, source)
        .forEach((partition, offset) -> offsets.put(partition, offset.position()));
    return offsets;
  }

  static Map<String, SourceOffset> readPositions(Connection connection, String source)
      throws SQLException {
    Map<String, SourceOffset> positions = new LinkedHashMap<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT partition, position, resume FROM "
                + TABLE
                + " WHERE source = ? ORDER BY partition")) {
      select.setString(1, source);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          positions.put(
              rs.getString(1),
              new SourceOffset(source, rs.getString(1), rs.getLong(2), rs.getString(3)));
        }
      }
    }
    return positions;
  }

  /** Upserts the offsets, inside the caller's transaction. */
  static void write(Connection connection, List<SourceOffset> offsets) throws SQLException {
    if (offsets.isEmpty()) {
      return;
    }
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (source, partition, position, resume, updated_at) VALUES (?, ?, ?, ?, now())"
                + " ON CONFLICT (source, partition) DO UPDATE SET position = EXCLUDED.position,"
                + " resume = EXCLUDED.resume, updated_at = EXCLUDED.updated_at")) {
      for (SourceOffset offset : offsets) {
        upsert.setString(1, offset.source());
        upsert.setString(2, offset.partition());
        upsert.setLong(3, offset.position());
        upsert.setString(4, offset.resume());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }
}
