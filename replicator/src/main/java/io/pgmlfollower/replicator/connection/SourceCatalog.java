package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads what the replicator needs from the source's catalog over a normal connection: published
 * tables and their shape, slots, settings. Runs inside whatever transaction the connection is in,
 * so the snapshot reads table shapes as of its exported snapshot.
 */
public final class SourceCatalog {
  /** PostgreSQL 12 added generated columns, which pgoutput (before 18) does not publish. */
  private static final int PG_11 = 110000;

  private static final int PG_12 = 120000;

  private static final int PG_13 = 130000;

  /** PostgreSQL 15 added publication column lists, shown in pg_publication_tables.attnames. */
  private static final int PG_15 = 150000;

  private final Connection connection;
  private int serverVersion;

  public SourceCatalog(Connection connection) {
    this.connection = requireNonNull(connection, "connection is null");
  }

  public int serverVersion() throws ReplicatorException {
    if (serverVersion == 0) {
      serverVersion = (int) querySingleLong("SHOW server_version_num", "read server_version_num");
    }
    return serverVersion;
  }

  public boolean publicationExists(String publication) throws ReplicatorException {
    String sql = "SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, publication);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("look up publication " + publication, e);
    }
  }

  /** The tables in the publication, as pg_publication_tables lists them. */
  public List<TableId> publishedTables(String publication) throws ReplicatorException {
    String sql =
        "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables"
            + " WHERE pubname = ? ORDER BY schemaname, tablename";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, publication);
      List<TableId> tables = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(new TableId(rows.getString(1), rows.getString(2)));
        }
      }
      return tables;
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("list the tables of publication " + publication, e);
    }
  }

  /** The specs of every published table, in {@link #publishedTables} order. */
  public List<TableSpec> publishedTableSpecs(String publication) throws ReplicatorException {
    List<TableSpec> specs = new ArrayList<>();
    for (TableId table : publishedTables(publication)) {
      tableSpec(table, publication).ifPresent(specs::add);
    }
    return specs;
  }

  /**
   * The value rows older than a column have in it ({@link ColumnSpec#missingValue}), as text: the
   * one element of {@code attmissingval} (an array of the column's type), read back through an
   * array literal. Readable by any role, unlike the rows of a table the role cannot select. An
   * element type whose arrays use another delimiter than a comma (box) is not read.
   */
  private static final String MISSING_VALUE =
      "CASE WHEN a.atthasmissing AND (SELECT t.typdelim FROM pg_catalog.pg_type t"
          + " WHERE t.oid = a.atttypid) = ','"
          + " THEN (a.attmissingval::text::text[])[1] END";

  /**
   * A table's replicated shape: the columns pgoutput sends (non-dropped, attnum > 0, not generated,
   * within the publication's column list) in attnum order, types resolved by {@link SourceTypes},
   * the primary key in key order and the row identity ({@link #rowIdentity}). Empty when the table
   * no longer exists.
   */
  public Optional<TableSpec> tableSpec(TableId table, String publication)
      throws ReplicatorException {
    try {
      OptionalLong oid = tableOid(table);
      if (oid.isEmpty()) {
        return Optional.empty();
      }
      Optional<Set<String>> columnList = publishedColumns(table, publication);
      List<String> names = new ArrayList<>();
      List<Boolean> notNull = new ArrayList<>();
      List<Integer> attnums = new ArrayList<>();
      List<Optional<String>> missing = new ArrayList<>();
      List<SourceTypes.SourceType> types = new ArrayList<>();
      String sql =
          "SELECT attname, atttypid, atttypmod, attnotnull, attnum, "
              + (serverVersion() >= PG_11 ? MISSING_VALUE : "NULL::text")
              + " FROM pg_catalog.pg_attribute a"
              + " WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped"
              + (serverVersion() >= PG_12 ? " AND attgenerated = ''" : "")
              + " ORDER BY attnum";
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        statement.setLong(1, oid.getAsLong());
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            String name = rows.getString(1);
            if (columnList.isEmpty() || columnList.get().contains(name)) {
              names.add(name);
              types.add(new SourceTypes.SourceType((int) rows.getLong(2), rows.getInt(3)));
              notNull.add(rows.getBoolean(4));
              attnums.add(rows.getInt(5));
              missing.add(Optional.ofNullable(rows.getString(6)));
            }
          }
        }
      }
      if (names.isEmpty()) {
        return Optional.empty();
      }
      List<SourceTypes.Resolved> resolved = new SourceTypes(connection).resolveAll(types);
      List<ColumnSpec> columns = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        columns.add(
            new ColumnSpec(
                names.get(i),
                resolved.get(i).typeName(),
                types.get(i).oid(),
                notNull.get(i),
                resolved.get(i).enumType(),
                attnums.get(i),
                missing.get(i)));
      }
      List<String> primaryKey = present(primaryKey(oid.getAsLong()), names);
      List<String> rowIdentity =
          switch (replicaIdentity(oid.getAsLong())) {
            case 'i' -> present(identityIndex(oid.getAsLong()), names);
            case 'n' -> List.of();
            // DEFAULT: the primary key, if any. FULL: the old row holds every column; the
            // primary key, where there is one, finds it through an index.
            default -> primaryKey;
          };
      return Optional.of(new TableSpec(table, columns, primaryKey, rowIdentity));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read the definition of " + table, e);
    }
  }

  /** Resolves types as {@link #tableSpec} does, for shapes built from a Relation message. */
  public List<SourceTypes.Resolved> resolveTypes(List<SourceTypes.SourceType> types)
      throws ReplicatorException {
    try {
      return new SourceTypes(connection).resolveAll(types);
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("resolve the types of replicated columns", e);
    }
  }

  /**
   * Published tables whose updates and deletes the source cannot send: no primary key and REPLICA
   * IDENTITY DEFAULT, NOTHING, or USING INDEX of a dropped index. PostgreSQL refuses UPDATE and
   * DELETE on them while the publication publishes those
   * (https://www.postgresql.org/docs/current/logical-replication-publication.html), so only their
   * inserts (and truncates) replicate.
   */
  public List<TableId> tablesWithoutRowIdentity(String publication) throws ReplicatorException {
    String sql =
        "SELECT pt.schemaname, pt.tablename FROM pg_catalog.pg_publication_tables pt"
            + " JOIN pg_catalog.pg_publication p ON p.pubname = pt.pubname"
            + " JOIN pg_catalog.pg_namespace n ON n.nspname = pt.schemaname"
            + " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename"
            + " WHERE pt.pubname = ? AND (p.pubupdate OR p.pubdelete) AND CASE c.relreplident"
            + "   WHEN 'f' THEN false"
            + "   WHEN 'n' THEN true"
            + "   WHEN 'i' THEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
            + "     WHERE i.indrelid = c.oid AND i.indisreplident)"
            + "   ELSE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
            + "     WHERE i.indrelid = c.oid AND i.indisprimary) END"
            + " ORDER BY 1, 2";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, publication);
      List<TableId> tables = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(new TableId(rows.getString(1), rows.getString(2)));
        }
      }
      return tables;
    } catch (SQLException e) {
      throw ReplicatorException.fromSql(
          "read the replica identities of publication " + publication, e);
    }
  }

  private static List<String> present(List<String> key, List<String> columns) {
    return key.stream().filter(columns::contains).toList();
  }

  /** {@code pg_class.relreplident}: d(efault), n(othing), f(ull), i(ndex). */
  private char replicaIdentity(long tableOid) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT relreplident FROM pg_catalog.pg_class WHERE oid = ?::oid")) {
      statement.setLong(1, tableOid);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getString(1).charAt(0) : 'd';
      }
    }
  }

  public Optional<SlotState> slot(String slot) throws ReplicatorException {
    // wal_status came with PostgreSQL 13 (max_slot_wal_keep_size): 'lost' is an invalidated slot.
    String sql =
        "SELECT plugin, database, active_pid, confirmed_flush_lsn::text, "
            + (serverVersion() >= PG_13 ? "wal_status" : "NULL::text")
            + " FROM pg_catalog.pg_replication_slots WHERE slot_name = ?";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, slot);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        int pid = rows.getInt(3);
        OptionalInt activePid = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(pid);
        return Optional.of(
            new SlotState(
                slot,
                Optional.ofNullable(rows.getString(1)),
                Optional.ofNullable(rows.getString(2)),
                activePid,
                Optional.ofNullable(rows.getString(4)).map(Lsn::parse),
                Optional.ofNullable(rows.getString(5))));
      }
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("look up replication slot " + slot, e);
    }
  }

  /** Drops a slot; needs the REPLICATION attribute (rds_replication on RDS), not superuser. */
  public void dropSlot(String slot) throws ReplicatorException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_catalog.pg_drop_replication_slot(?)")) {
      statement.setString(1, slot);
      statement.execute();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("drop replication slot " + slot, e);
    }
  }

  public String currentDatabase() throws ReplicatorException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT pg_catalog.current_database()")) {
      rows.next();
      return rows.getString(1);
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read current_database()", e);
    }
  }

  /**
   * {@code wal_sender_timeout}, read here because some Aurora versions refuse SHOW on a replication
   * connection; empty when disabled (0).
   */
  public Optional<Duration> walSenderTimeout() throws ReplicatorException {
    long millis =
        querySingleLong(
            "SELECT setting::bigint FROM pg_catalog.pg_settings WHERE name = 'wal_sender_timeout'",
            "read wal_sender_timeout");
    return millis > 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty();
  }

  private OptionalLong tableOid(TableId table) throws SQLException {
    String sql =
        "SELECT c.oid FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ?";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, table.schema());
      statement.setString(2, table.name());
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  private Optional<Set<String>> publishedColumns(TableId table, String publication)
      throws SQLException, ReplicatorException {
    if (serverVersion() < PG_15) {
      return Optional.empty();
    }
    String sql =
        "SELECT attnames FROM pg_catalog.pg_publication_tables"
            + " WHERE pubname = ? AND schemaname = ? AND tablename = ?";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, publication);
      statement.setString(2, table.schema());
      statement.setString(3, table.name());
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        Array names = rows.getArray(1);
        if (names == null) {
          return Optional.empty();
        }
        return Optional.of(new HashSet<>(Arrays.asList((String[]) names.getArray())));
      }
    }
  }

  private List<String> primaryKey(long tableOid) throws SQLException {
    return indexColumns(tableOid, "indisprimary");
  }

  /** The columns of the REPLICA IDENTITY USING INDEX index, empty when it was dropped. */
  private List<String> identityIndex(long tableOid) throws SQLException {
    return indexColumns(tableOid, "indisreplident");
  }

  private List<String> indexColumns(long tableOid, String flag) throws SQLException {
    String sql =
        "SELECT a.attname FROM pg_catalog.pg_index i"
            + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            + " WHERE i.indrelid = ?::oid AND i."
            + flag
            + " ORDER BY k.ord";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, tableOid);
      List<String> columns = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          columns.add(rows.getString(1));
        }
      }
      return columns;
    }
  }

  private long querySingleLong(String sql, String action) throws ReplicatorException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return Long.parseLong(rows.getString(1));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql(action, e);
    }
  }
}
