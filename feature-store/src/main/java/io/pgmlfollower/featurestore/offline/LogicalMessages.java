package io.pgmlfollower.featurestore.offline;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The logical decoding messages sources hand over ({@code pg_logical_emit_message} on the source),
 * kept as the latest per prefix in {@code pgml_follower.logical_messages}, written in the same
 * transaction as the changes around them. Clients read it (e.g. a marker an application writes
 * after a batch job, to know the batch is here); the latest per prefix keeps it bounded, and a
 * message applied twice (a non-transactional one sent again after a restart) changes nothing.
 */
final class LogicalMessages {
  static final String TABLE = ReadOnlyTables.SCHEMA + ".logical_messages";

  private LogicalMessages() {}

  static void createTable(Connection connection, String clientRole) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (prefix text PRIMARY KEY, content bytea NOT NULL, lsn pg_lsn NOT NULL,"
              + " transactional boolean NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      String role = TableId.quoteIdentifier(clientRole);
      statement.execute("GRANT USAGE ON SCHEMA " + ReadOnlyTables.SCHEMA + " TO " + role);
      statement.execute("GRANT SELECT ON " + TABLE + " TO " + role);
    }
  }

  /** Keeps the message as its prefix's latest, unless a later one is stored already. */
  static void write(Connection connection, ChangeBatch.Message message) throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " AS m (prefix, content, lsn, transactional) VALUES (?, ?, ?::pg_lsn, ?)"
                + " ON CONFLICT (prefix) DO UPDATE SET content = EXCLUDED.content,"
                + " lsn = EXCLUDED.lsn, transactional = EXCLUDED.transactional, applied_at = now()"
                + " WHERE m.lsn <= EXCLUDED.lsn")) {
      upsert.setString(1, message.prefix());
      upsert.setBytes(2, message.content());
      upsert.setString(3, lsnText(message.lsn()));
      upsert.setBoolean(4, message.transactional());
      upsert.executeUpdate();
    }
  }

  /** PostgreSQL's text form of an LSN, e.g. {@code 0/16B3748}. */
  static String lsnText(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT)
        + "/"
        + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
  }
}
