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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
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
 * work) and, under {@code wal_level=minimal}, skips the WAL. Readers never see a table half loaded:
 * TRUNCATE holds the table's ACCESS EXCLUSIVE lock until the commit, so a reader of a table being
 * loaded waits for the commit. Tables announced with {@link #prepare} are truncated together, so
 * their readers wait from the start of the load rather than from their table's turn (on an initial
 * snapshot, the tables are new and empty anyway).
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
  private final List<String> rebuilds = new ArrayList<>();

  /** What completes the tables created in this load ({@link #adoptCreated}), after the rebuilds. */
  private final List<String> completions = new ArrayList<>();

  /** Tables {@link #prepare}d (truncated, indexes and triggers set aside) but not loaded yet. */
  private final Set<TableId> prepared = new HashSet<>();

  /** Run once the load committed (the store then knows the loaded tables' shapes). */
  private final Runnable committed;

  PostgresSnapshotLoader(WriterSession session, String source, Map<TableId, TableSpec> tables) {
    this(session, source, tables, () -> {});
  }

  /**
   * @param tables the shapes of the tables this load may copy
   * @param committed run once the load committed
   */
  PostgresSnapshotLoader(
      WriterSession session, String source, Map<TableId, TableSpec> tables, Runnable committed) {
    this.session = requireNonNull(session, "session is null");
    this.source = requireNonNull(source, "source is null");
    this.tables = requireNonNull(tables, "tables is null");
    this.committed = requireNonNull(committed, "committed is null");
  }

  /** The load's connection, for statements that belong in its transaction. */
  Connection connection() {
    return session.connection();
  }

  /**
   * Takes over tables created bare in this load's transaction ({@link
   * TableShaper#ensureAllForLoad}): empty already, with nothing to set aside; what completes them
   * runs before the commit, after the rebuilds: a new key then takes a name of its own, as when the
   * table was created beside the others, never the name of a key about to be rebuilt.
   */
  void adoptCreated(TableShaper.Load load) throws StoreException {
    checkOpen();
    completions.addAll(load.completions());
    prepared.addAll(load.created());
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

  /**
   * Empties the tables and sets aside their indexes and triggers, all together: two round trips
   * however many tables (what to set aside, then one TRUNCATE of them all with the drops), where
   * each table took two of its own.
   */
  @Override
  public void prepare(List<TableSpec> tablesToLoad) throws StoreException {
    requireNonNull(tablesToLoad, "tablesToLoad is null");
    checkOpen();
    List<TableSpec> fresh = new ArrayList<>();
    Set<TableId> seen = new HashSet<>();
    for (TableSpec table : tablesToLoad) {
      if (!seen.add(table.id())) {
        continue; // listed twice: set up once
      }
      checkDescribed(table);
      if (!prepared.contains(table.id())) {
        fresh.add(table);
      }
    }
    truncateAndSetAside(fresh);
    fresh.forEach(table -> prepared.add(table.id()));
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
    checkDescribed(table);
    if (!prepared.remove(table.id())) {
      truncateAndSetAside(List.of(table));
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
        // Sorted index builds get memory of their own (for this transaction only). One round trip:
        // the rebuilds need no answer in between, and the first that fails stops the others.
        List<String> statements = new ArrayList<>();
        statements.add("SET LOCAL maintenance_work_mem = '256MB'");
        statements.addAll(rebuilds);
        statements.addAll(completions);
        statement.execute(String.join(";\n", statements));
      }
      SourceOffsets.write(session.connection(), offsets);
      session.connection().commit();
      finished = true;
      committed.run();
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
   * Truncates the tables and drops what the load sets aside, in this transaction (nothing is
   * visible to readers before the commit): two round trips, what to set aside and then the TRUNCATE
   * with the drops.
   */
  private void truncateAndSetAside(List<TableSpec> toLoad) throws StoreException {
    if (toLoad.isEmpty()) {
      return;
    }
    List<String> names = toLoad.stream().map(table -> table.id().quoted()).toList();
    try (Statement statement = session.connection().createStatement()) {
      List<String> statements = new ArrayList<>();
      statements.add("TRUNCATE " + String.join(", ", names));
      statements.addAll(setAsideUntilCommit(toLoad));
      statement.execute(String.join(";\n", statements));
    } catch (SQLException e) {
      String which =
          names.size() == 1
              ? names.getFirst()
              : names.size() + " tables (" + names.getFirst() + ", ...)";
      throw StoreErrors.from("cannot truncate " + which + " for the snapshot", e);
    }
  }

  /**
   * What the load sets aside, read in one query for all the tables: each table's indexes and the
   * constraints they back (their definitions from {@code pg_get_constraintdef} and {@code
   * pg_get_indexdef}, so the rebuilt ones are exactly what was there), and its BEFORE INSERT row
   * triggers ({@code pg_get_triggerdef}, with any non-default firing mode). Their rebuilds are
   * queued for the commit, table by table in the given order.
   *
   * @return the statements that drop them, to run after the TRUNCATE
   */
  private List<String> setAsideUntilCommit(List<TableSpec> toLoad) throws SQLException {
    List<String> drops = new ArrayList<>();
    try (PreparedStatement query =
        session
            .connection()
            .prepareStatement(
                "SELECT w.ord, 1 AS kind, c.conname AS name,"
                    + " pg_get_constraintdef(c.oid) AS definition,"
                    + " i.indexrelid::regclass::text AS index_name,"
                    + " pg_get_indexdef(i.indexrelid) AS index_definition,"
                    + " row_number() OVER (PARTITION BY w.ord ORDER BY i.indexrelid) AS n"
                    + " FROM unnest(?::text[]) WITH ORDINALITY AS w(name, ord)"
                    + " JOIN pg_index i ON i.indrelid = w.name::regclass"
                    + " LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid"
                    + "   AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')"
                    + " UNION ALL"
                    // tgtype bits: 1 row, 2 before, 4 insert (pg_trigger.h, TRIGGER_TYPE_*).
                    + " SELECT w.ord, 2, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text,"
                    + " NULL, row_number() OVER (PARTITION BY w.ord ORDER BY t.tgname)"
                    + " FROM unnest(?::text[]) WITH ORDINALITY AS w(name, ord)"
                    + " JOIN pg_trigger t ON t.tgrelid = w.name::regclass"
                    + "   AND NOT t.tgisinternal AND t.tgtype & 7 = 7"
                    + " ORDER BY 1, 2, 7")) {
      java.sql.Array names =
          session
              .connection()
              .createArrayOf("text", toLoad.stream().map(table -> table.id().quoted()).toArray());
      query.setArray(1, names);
      query.setArray(2, names);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          TableSpec table = toLoad.get(rs.getInt(1) - 1);
          if (rs.getInt(2) == 1) {
            setAsideIndex(
                table, rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), drops);
          } else {
            setAsideTrigger(table, rs.getString(3), rs.getString(4), rs.getString(5), drops);
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

  private void checkDescribed(TableSpec table) throws StoreException {
    if (!tables.containsKey(table.id())) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "snapshot of " + table.id() + " came before ensureTables described it");
    }
  }

  private void checkOpen() throws StoreException {
    if (finished) {
      throw new StoreException(
          StoreErrorCode.INTERNAL, "the snapshot of source " + source + " is finished");
    }
  }
}
