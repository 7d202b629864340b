package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.OutputStream;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * A snapshot in one local transaction: each table is truncated and refilled with {@code COPY ...
 * FROM STDIN}; the offsets are written and everything commits together, or nothing does. The loader
 * has its own connection, closed with it.
 *
 * <p>Less work per row: a table's indexes (its primary key too) are dropped after the TRUNCATE and
 * built again, each in one sorted pass, just before the commit, instead of being maintained row by
 * row; its BEFORE INSERT row triggers (the read-only guard, {@link ReadOnlyTables}) are dropped too
 * and created again before the commit, since any such trigger makes {@code COPY} insert row by row
 * instead of in multi-row batches (<a
 * href="https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/commands/copyfrom.c">copyfrom.c</a>,
 * {@code CIM_SINGLE}), even when it does not fire; and since the table was truncated in this
 * transaction, {@code COPY ... FREEZE} writes the rows already frozen (no later hint-bit or freeze
 * work) and, under {@code wal_level=minimal}, skips the WAL. Readers are not affected: none of this
 * is visible before the commit (TRUNCATE holds the table's ACCESS EXCLUSIVE lock until then).
 */
final class PostgresSnapshotLoader implements SnapshotLoader {
  /**
   * Built-in types (fixed OIDs) whose send/recv forms PostgreSQL has kept the same across versions:
   * bool, bytea, char, name, int8, int2, int4, text, oid, json, float4, float8, bpchar, varchar,
   * date, time, timestamp, timestamptz, interval, timetz, numeric, uuid, jsonb.
   */
  static final Set<Integer> BINARY_TYPES =
      Set.of(
          16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184,
          1186, 1266, 1700, 2950, 3802);

  private final WriterSession session;
  private final String source;
  private final Map<TableId, TableSpec> tables;
  private PGCopyOutputStream activeCopy;
  private boolean finished;

  /**
   * Statements that rebuild the indexes and triggers dropped for the load, run before the commit.
   */
  private final List<String> rebuilds = new java.util.ArrayList<>();

  PostgresSnapshotLoader(WriterSession session, String source, Map<TableId, TableSpec> tables) {
    this.session = requireNonNull(session, "session is null");
    this.source = requireNonNull(source, "source is null");
    this.tables = requireNonNull(tables, "tables is null");
  }

  /**
   * Binary when every column is of a built-in type whose binary form is the same on the source and
   * here (the store creates its columns with the source's types): {@link #BINARY_TYPES}. Enums,
   * domains and other types created in a database have OIDs of their own on each server, and an
   * array's binary form names its element type's OID, so those tables are copied as text.
   */
  @Override
  public CopyFormat formatFor(TableSpec table) {
    for (ColumnSpec column : table.columns()) {
      if (!BINARY_TYPES.contains(column.typeOid())) {
        return CopyFormat.TEXT;
      }
    }
    return CopyFormat.BINARY;
  }

  @Override
  public OutputStream copyIn(TableSpec table, CopyFormat format) throws StoreException {
    requireNonNull(table, "table is null");
    requireNonNull(format, "format is null");
    checkOpen();
    if (activeCopy != null && activeCopy.isActive()) {
      throw new StoreException(
          StoreErrorCode.INTERNAL,
          "the COPY into the previous table was not closed before " + table.id());
    }
    if (!tables.containsKey(table.id())) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "snapshot of " + table.id() + " came before ensureTables described it");
    }
    try (Statement statement = session.connection().createStatement()) {
      // In this transaction: nothing is visible to readers before the commit. Two round trips:
      // what to set aside, then the TRUNCATE and the drops together.
      List<String> drops = setAsideUntilCommit(table);
      statement.execute(
          "TRUNCATE "
              + table.id().quoted()
              + (drops.isEmpty() ? "" : "; ")
              + String.join("; ", drops));
    } catch (SQLException e) {
      throw StoreErrors.from("cannot truncate " + table.id() + " for the snapshot", e);
    }
    String copy = TableShaper.copyStatement(table, "FROM STDIN", format, ", FREEZE");
    try {
      activeCopy =
          new PGCopyOutputStream(session.connection().unwrap(PGConnection.class), copy, 1 << 16);
      // Closing the stream ends the COPY; bad data surfaces there (or on a write) as IOException.
      return activeCopy;
    } catch (SQLException e) {
      throw StoreErrors.from("cannot start the COPY into " + table.id(), e);
    }
  }

  @Override
  public void commit(List<SourceOffset> offsets) throws StoreException {
    requireNonNull(offsets, "offsets is null");
    checkOpen();
    if (activeCopy != null && activeCopy.isActive()) {
      throw new StoreException(
          StoreErrorCode.INTERNAL, "commit while a table's COPY is still open");
    }
    try {
      try (Statement statement = session.connection().createStatement()) {
        // Sorted index builds get memory of their own (for this transaction only).
        statement.execute("SET LOCAL maintenance_work_mem = '256MB'");
        for (String rebuild : rebuilds) {
          statement.execute(rebuild);
        }
      }
      SourceOffsets.write(session.connection(), offsets);
      session.connection().commit();
      finished = true;
    } catch (SQLException e) {
      throw StoreErrors.from("cannot commit the snapshot of source " + source, e);
    }
  }

  /** Rolls back what is not committed and closes the loader's own connection. */
  @Override
  public void close() throws StoreException {
    boolean committed = finished;
    finished = true;
    try (session) {
      if (!committed) {
        if (activeCopy != null && activeCopy.isActive()) {
          activeCopy.cancelCopy();
        }
        session.connection().rollback();
      }
    } catch (SQLException e) {
      throw StoreErrors.from("cannot discard the snapshot of source " + source, e);
    }
  }

  /**
   * What the load sets aside, read in one query: the table's indexes and the constraints they back
   * (their definitions from {@code pg_get_constraintdef} and {@code pg_get_indexdef}, so the
   * rebuilt ones are exactly what was there), and its BEFORE INSERT row triggers ({@code
   * pg_get_triggerdef}, with any non-default firing mode). Their rebuilds are queued for the
   * commit.
   *
   * @return the statements that drop them, to run after the TRUNCATE
   */
  private List<String> setAsideUntilCommit(TableSpec table) throws SQLException {
    List<String> drops = new java.util.ArrayList<>();
    try (java.sql.PreparedStatement query =
        session
            .connection()
            .prepareStatement(
                "SELECT 1 AS kind, c.conname AS name, pg_get_constraintdef(c.oid) AS definition,"
                    + " i.indexrelid::regclass::text AS index_name,"
                    + " pg_get_indexdef(i.indexrelid) AS index_definition,"
                    + " row_number() OVER (ORDER BY i.indexrelid) AS ord"
                    + " FROM pg_index i"
                    + " LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid"
                    + "   AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')"
                    + " WHERE i.indrelid = ?::regclass"
                    + " UNION ALL"
                    // tgtype bits: 1 row, 2 before, 4 insert (pg_trigger.h, TRIGGER_TYPE_*).
                    + " SELECT 2, tgname, pg_get_triggerdef(oid), tgenabled::text, NULL,"
                    + " row_number() OVER (ORDER BY tgname)"
                    + " FROM pg_trigger"
                    + " WHERE tgrelid = ?::regclass AND NOT tgisinternal AND tgtype & 7 = 7"
                    + " ORDER BY kind, ord")) {
      query.setString(1, table.id().quoted());
      query.setString(2, table.id().quoted());
      try (java.sql.ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          if (rs.getInt(1) == 1) {
            setAsideIndex(
                table, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), drops);
          } else {
            setAsideTrigger(table, rs.getString(2), rs.getString(3), rs.getString(4), drops);
          }
        }
      }
    }
    return drops;
  }

  private void setAsideIndex(
      TableSpec table,
      String constraintName,
      String constraintDefinition,
      String indexName,
      String indexDefinition,
      List<String> drops) {
    if (constraintName != null) {
      String constraint = TableId.quoteIdentifier(constraintName);
      drops.add("ALTER TABLE " + table.id().quoted() + " DROP CONSTRAINT " + constraint);
      rebuilds.add(
          "ALTER TABLE "
              + table.id().quoted()
              + " ADD CONSTRAINT "
              + constraint
              + " "
              + constraintDefinition);
    } else {
      drops.add("DROP INDEX " + indexName);
      rebuilds.add(indexDefinition);
    }
  }

  private void setAsideTrigger(
      TableSpec table, String triggerName, String definition, String enabled, List<String> drops) {
    String name = TableId.quoteIdentifier(triggerName);
    drops.add("DROP TRIGGER " + name + " ON " + table.id().quoted());
    rebuilds.add(definition);
    String mode =
        switch (enabled) {
          case "D" -> "DISABLE TRIGGER ";
          case "A" -> "ENABLE ALWAYS TRIGGER ";
          case "R" -> "ENABLE REPLICA TRIGGER ";
          default -> null; // "O": enabled, the default
        };
    if (mode != null) {
      rebuilds.add("ALTER TABLE " + table.id().quoted() + " " + mode + name);
    }
  }

  private void checkOpen() throws StoreException {
    if (finished) {
      throw new StoreException(
          StoreErrorCode.INTERNAL, "the snapshot of source " + source + " is finished");
    }
  }
}
