package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes tables read-only for everyone but the follower's own writers.
 *
 * <p>Row triggers (INSERT/UPDATE/DELETE) and a statement trigger (TRUNCATE) raise SQLSTATE 25006
 * ({@code read_only_sql_transaction}), the error a client gets when writing on a hot standby, with
 * a hint saying where to write instead. The follower's writers run with {@code
 * session_replication_role = replica}, under which ordinary triggers do not fire (<a
 * href="https://www.postgresql.org/docs/17/sql-altertable.html#SQL-ALTERTABLE-DESC-DISABLE-ENABLE-TRIGGER">ENABLE
 * TRIGGER</a>, <a
 * href="https://www.postgresql.org/docs/17/runtime-config-client.html#GUC-SESSION-REPLICATION-ROLE">session_replication_role</a>),
 * and only a superuser (or a role granted SET on it) can set that parameter. Roles that should see
 * 25006 rather than a permission error (42501) need the write privileges: they are checked before
 * triggers fire.
 */
public final class ReadOnlyTables {
  static final String SCHEMA = "pgml_follower";
  private static final String FUNCTION = SCHEMA + ".refuse_write";
  private static final String ROW_TRIGGER = "pgml_follower_read_only";
  private static final String TRUNCATE_TRIGGER = "pgml_follower_read_only_truncate";

  /** The reason and hint of replicated tables. */
  public static final String REPLICATED_REASON =
      "replicated from the source and read-only on the follower";

  public static final String REPLICATED_HINT =
      "write to the source database; the follower applies the change";

  private ReadOnlyTables() {}

  /** Creates the trigger function (idempotent); {@link OfflineStore#open} does it. */
  static void installFunction(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
      statement.execute(
          """
          CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $fn$
          BEGIN
            RAISE EXCEPTION USING
              ERRCODE = 'read_only_sql_transaction',
              MESSAGE = format('relation "%%s.%%s" is %%s', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]),
              HINT = TG_ARGV[1];
          END
          $fn$
          """
              .formatted(FUNCTION));
    }
  }

  /** Protects a replicated table: writes fail with 25006 unless the session is a replica writer. */
  public static void markReadOnly(Connection connection, TableId table) throws SQLException {
    markReadOnly(connection, table, REPLICATED_REASON, REPLICATED_HINT);
  }

  /**
   * Protects a table with the error {@code relation "schema.table" is <reason>} and the hint. Needs
   * the function that {@link OfflineStore#open} installs.
   */
  public static void markReadOnly(Connection connection, TableId table, String reason, String hint)
      throws SQLException {
    requireNonNull(connection, "connection is null");
    requireNonNull(table, "table is null");
    try (Statement statement = connection.createStatement()) {
      // Both in one execute: one round trip (pgjdbc sends the statements together).
      statement.execute(markReadOnlySql(table, reason, hint));
    }
  }

  /** The statements of {@link #markReadOnly(Connection, TableId)}, for a caller's batch. */
  static String markReadOnlySql(TableId table) {
    return markReadOnlySql(table, REPLICATED_REASON, REPLICATED_HINT);
  }

  private static String markReadOnlySql(TableId table, String reason, String hint) {
    String arguments =
        literal(requireNonNull(reason, "reason is null"))
            + ", "
            + literal(requireNonNull(hint, "hint is null"));
    return "CREATE OR REPLACE TRIGGER "
        + ROW_TRIGGER
        + " BEFORE INSERT OR UPDATE OR DELETE ON "
        + table.quoted()
        + " FOR EACH ROW EXECUTE FUNCTION "
        + FUNCTION
        + "("
        + arguments
        + "); CREATE OR REPLACE TRIGGER "
        + TRUNCATE_TRIGGER
        + " BEFORE TRUNCATE ON "
        + table.quoted()
        + " FOR EACH STATEMENT EXECUTE FUNCTION "
        + FUNCTION
        + "("
        + arguments
        + ")";
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
