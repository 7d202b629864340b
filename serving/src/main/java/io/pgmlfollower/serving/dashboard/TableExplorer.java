package io.pgmlfollower.serving.dashboard;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The data explorer: the tables the client role reads (replicated tables and the views users made
 * over them), each one's columns with statistics, and sample rows. Statistics are computed over the
 * first {@link #STATS_ROWS} rows, so that a look at a large table costs a bounded scan.
 */
final class TableExplorer {
  static final int STATS_ROWS = 10_000;
  static final int SAMPLE_ROWS = 20;

  /**
   * A look at a relation gives up after this: the first rows of a view can cost its whole query,
   * and a distinct count over wide text is a sort.
   */
  static final int TIMEOUT_SECONDS = 30;

  /** Relations users look at: not the catalogs, the registry or the follower's own schema. */
  private static final String RELATIONS =
      "SELECT n.nspname, c.relname, c.relkind::text, greatest(c.reltuples, -1)::bigint"
          + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('r', 'p', 'v', 'm')"
          + " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgml', 'pgml_follower')"
          + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
          + " AND has_table_privilege(c.oid, 'SELECT')";

  private final DataSource dataSource;

  TableExplorer(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource is null");
  }

  /**
   * @param kind {@code table} or {@code view}
   * @param estimatedRows the planner's estimate, -1 before the table was ever analyzed
   */
  record Relation(String schema, String name, String kind, long estimatedRows) {}

  /**
   * @param min the smallest value (numbers, dates and times only)
   * @param max the largest value (likewise)
   */
  record ColumnStats(String name, String type, long nulls, long distinct, String min, String max) {}

  /**
   * @param statsRows how many rows the statistics were computed over (at most {@link #STATS_ROWS})
   */
  record Detail(
      Relation relation,
      List<ColumnStats> columns,
      long statsRows,
      List<String> sampleColumns,
      List<List<String>> sample) {}

  List<Relation> relations() throws SQLException {
    List<Relation> relations = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(RELATIONS + " ORDER BY 1, 2");
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        relations.add(relation(rs));
      }
    }
    return relations;
  }

  /** A relation's columns, statistics and first rows; empty when the role sees no such relation. */
  Optional<Detail> detail(String schema, String name) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setReadOnly(true);
      try (Statement timeout = connection.createStatement()) {
        timeout.execute("SET statement_timeout = '" + TIMEOUT_SECONDS + "s'");
      }
      Relation relation;
      // Only a relation the catalog lists is named in SQL, and then quoted.
      try (PreparedStatement statement =
          connection.prepareStatement(RELATIONS + " AND n.nspname = ? AND c.relname = ?")) {
        statement.setString(1, schema);
        statement.setString(2, name);
        try (ResultSet rs = statement.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          relation = relation(rs);
        }
      }
      String quoted = new TableId(schema, name).quoted();
      List<String[]> columns = columns(connection, quoted);
      List<ColumnStats> stats = new ArrayList<>();
      long statsRows = 0;
      if (!columns.isEmpty()) {
        StringBuilder sql = new StringBuilder("SELECT count(*)");
        for (String[] column : columns) {
          String c = TableId.quoteIdentifier(column[0]);
          sql.append(", count(*) - count(").append(c).append(")");
          sql.append(", count(DISTINCT ").append(c).append("::text)");
          boolean ordered = "true".equals(column[2]);
          sql.append(ordered ? ", min(" + c + ")::text, max(" + c + ")::text" : ", NULL, NULL");
        }
        sql.append(" FROM (SELECT * FROM ").append(quoted);
        sql.append(" LIMIT ").append(STATS_ROWS).append(") s");
        try (Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery(sql.toString())) {
          rs.next();
          statsRows = rs.getLong(1);
          for (int i = 0; i < columns.size(); i++) {
            int at = 2 + i * 4;
            stats.add(
                new ColumnStats(
                    columns.get(i)[0],
                    columns.get(i)[1],
                    rs.getLong(at),
                    rs.getLong(at + 1),
                    rs.getString(at + 2),
                    rs.getString(at + 3)));
          }
        }
      }
      List<String> sampleColumns = new ArrayList<>();
      List<List<String>> sample = new ArrayList<>();
      try (Statement statement = connection.createStatement();
          ResultSet rs =
              statement.executeQuery("SELECT * FROM " + quoted + " LIMIT " + SAMPLE_ROWS)) {
        int count = rs.getMetaData().getColumnCount();
        for (int i = 1; i <= count; i++) {
          sampleColumns.add(rs.getMetaData().getColumnName(i));
        }
        while (rs.next()) {
          List<String> row = new ArrayList<>();
          for (int i = 1; i <= count; i++) {
            row.add(rs.getString(i));
          }
          sample.add(row);
        }
      }
      return Optional.of(new Detail(relation, stats, statsRows, sampleColumns, sample));
    }
  }

  private static Relation relation(ResultSet rs) throws SQLException {
    String kind = rs.getString(3);
    return new Relation(
        rs.getString(1),
        rs.getString(2),
        "v".equals(kind) || "m".equals(kind) ? "view" : "table",
        rs.getLong(4));
  }

  /** Each column's name, type, and whether min and max are shown for it ("true" or "false"). */
  private static List<String[]> columns(Connection connection, String quoted) throws SQLException {
    List<String[]> columns = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            // Ordered (min and max shown): numbers and date/time types, not the reg* OID aliases.
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
                + " (t.typcategory IN ('N', 'D') AND t.typname NOT LIKE 'reg%')::text"
                + " FROM pg_catalog.pg_attribute a"
                + " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = ?::regclass"
                + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      statement.setString(1, quoted);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          columns.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
        }
      }
    }
    return columns;
  }
}
