package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

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

  /**
   * The specs of every published table, in {@link #publishedTables} order: each as {@link
   * #tableSpec} reads it, all in two round trips (the shapes, then their types) where reading them
   * table by table took six or seven each.
   */
  public List<TableSpec> publishedTableSpecs(String publication) throws ReplicatorException {
    try {
      return shapes(
          "JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = ?"
              + " AND pt.schemaname = n.nspname AND pt.tablename = c.relname",
          "",
          List.of(publication));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read the tables of publication " + publication, e);
    }
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
      // The publication's column list (PostgreSQL 15+) is all it is read for: before 15 the
      // view is not joined (with FOR ALL TABLES it lists the whole database).
      List<TableSpec> specs =
          serverVersion() >= PG_15
              ? shapes(
                  "LEFT JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = ?"
                      + " AND pt.schemaname = n.nspname AND pt.tablename = c.relname",
                  " AND n.nspname = ? AND c.relname = ?",
                  List.of(publication, table.schema(), table.name()))
              : shapes(
                  "",
                  " AND n.nspname = ? AND c.relname = ?",
                  List.of(table.schema(), table.name()));
      return specs.stream().findFirst();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read the definition of " + table, e);
    }
  }

  /** One column of a table's shape, as {@link #shapes} reads it. */
  private record ColumnRow(
      String name,
      SourceTypes.SourceType type,
      boolean notNull,
      int attnum,
      Optional<String> missingValue,
      Integer keyOrder,
      Integer identityOrder) {}

  /** The columns of one table, as {@link #shapes} reads them. */
  private record ShapeRow(TableId table, char replicaIdentity, List<ColumnRow> columns) {}

  /**
   * Table shapes in one query: a row per replicated column (tables by schema and name, then columns
   * by attnum) carrying its table's replica identity and its place in the primary key and the
   * identity index; then every type resolved in one more query ({@link SourceTypes}).
   *
   * @param publicationJoin joins {@code pg_publication_tables} as {@code pt} to {@code n} and
   *     {@code c}; its column list (PostgreSQL 15+) filters the columns where it names the table
   * @param filter more conditions on {@code n} and {@code c}, starting with AND
   * @param parameters for the join, then the filter
   */
  private List<TableSpec> shapes(String publicationJoin, String filter, List<String> parameters)
      throws SQLException, ReplicatorException {
    String keyOrder =
        "(SELECT min(k.ord)::int4 FROM pg_catalog.pg_index i"
            + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
            + " WHERE i.indrelid = c.oid AND i.%s AND k.attnum = a.attnum)";
    String sql =
        "SELECT n.nspname, c.relname, c.relreplident, a.attname, a.atttypid, a.atttypmod,"
            + " a.attnotnull, a.attnum, "
            + (serverVersion() >= PG_11 ? MISSING_VALUE : "NULL::text")
            + ", "
            + keyOrder.formatted("indisprimary")
            + ", "
            + keyOrder.formatted("indisreplident")
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + publicationJoin
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
            + " AND NOT a.attisdropped"
            + (serverVersion() >= PG_12 ? " AND a.attgenerated = ''" : "")
            + " WHERE true"
            + filter
            + (serverVersion() >= PG_15
                ? " AND (pt.attnames IS NULL OR a.attname = ANY (pt.attnames))"
                : "")
            + " ORDER BY n.nspname, c.relname, a.attnum";
    List<ShapeRow> shapes = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        statement.setString(i + 1, parameters.get(i));
      }
      try (ResultSet rows = statement.executeQuery()) {
        ShapeRow current = null;
        while (rows.next()) {
          TableId table = new TableId(rows.getString(1), rows.getString(2));
          if (current == null || !current.table().equals(table)) {
            current = new ShapeRow(table, rows.getString(3).charAt(0), new ArrayList<>());
            shapes.add(current);
          }
          SourceTypes.SourceType type =
              new SourceTypes.SourceType((int) rows.getLong(5), rows.getInt(6));
          current
              .columns()
              .add(
                  new ColumnRow(
                      rows.getString(4),
                      type,
                      rows.getBoolean(7),
                      rows.getInt(8),
                      Optional.ofNullable(rows.getString(9)),
                      rows.getObject(10, Integer.class),
                      rows.getObject(11, Integer.class)));
        }
      }
    }
    if (shapes.isEmpty()) {
      return List.of();
    }
    List<SourceTypes.Resolved> resolved =
        new SourceTypes(connection)
            .resolveAll(
                shapes.stream()
                    .flatMap(shape -> shape.columns().stream())
                    .map(ColumnRow::type)
                    .toList());
    List<TableSpec> specs = new ArrayList<>(shapes.size());
    int next = 0;
    for (ShapeRow shape : shapes) {
      List<ColumnSpec> columns = new ArrayList<>();
      for (ColumnRow row : shape.columns()) {
        SourceTypes.Resolved type = resolved.get(next++);
        columns.add(
            new ColumnSpec(
                row.name(),
                type.typeName(),
                row.type().oid(),
                row.notNull(),
                type.enumType(),
                row.attnum(),
                row.missingValue()));
      }
      List<String> primaryKey = keyColumns(shape.columns(), ColumnRow::keyOrder);
      List<String> rowIdentity =
          switch (shape.replicaIdentity()) {
            case 'i' -> keyColumns(shape.columns(), ColumnRow::identityOrder);
            case 'n' -> List.of();
            // DEFAULT: the primary key, if any. FULL: the old row holds every column; the
            // primary key, where there is one, finds it through an index.
            default -> primaryKey;
          };
      specs.add(new TableSpec(shape.table(), columns, primaryKey, rowIdentity));
    }
    return specs;
  }

  /** The replicated columns an index covers, in the index's order. */
  private static List<String> keyColumns(
      List<ColumnRow> columns, Function<ColumnRow, Integer> order) {
    return columns.stream()
        .filter(column -> order.apply(column) != null)
        .sorted(Comparator.comparing(order))
        .map(ColumnRow::name)
        .toList();
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
