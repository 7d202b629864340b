package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views users defined over a replicated table (and views over those), carried across a schema
 * change that PostgreSQL would otherwise refuse: {@code ALTER COLUMN ... TYPE} and {@code DROP
 * COLUMN} fail while a view uses the column
 * (https://www.postgresql.org/docs/current/sql-altertable.html). The source does not ask the
 * follower's permission, and replication must not stop on a user's view: the views are saved
 * (definition, owner, options, privileges, comment), dropped, and created again after the change,
 * inside the same transaction, so nobody sees them missing.
 *
 * <p>A view the change really breaks (it used a dropped column) cannot be created again: it is left
 * out, with a warning, and its definition kept in {@code pgml_follower.broken_views} so that its
 * owner can fix and recreate it.
 */
final class DependentViews {
  private static final Logger log = LoggerFactory.getLogger(DependentViews.class);

  static final String BROKEN_VIEWS = ReadOnlyTables.SCHEMA + ".broken_views";

  /** Views and materialized views depending on the table, directly or through other views. */
  private static final String DEPENDENTS_SQL =
      """
      WITH RECURSIVE dependents(oid, depth) AS (
        SELECT DISTINCT r.ev_class, 1
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass
          AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid = ?::regclass AND r.ev_class <> d.refobjid
        UNION
        SELECT r.ev_class, dependents.depth + 1
        FROM dependents
        JOIN pg_catalog.pg_depend d ON d.refobjid = dependents.oid
          AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.classid = 'pg_catalog.pg_rewrite'::regclass
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_class <> dependents.oid
        WHERE dependents.depth < 100
      )
      SELECT c.oid, n.nspname, c.relname, c.relkind::text,
             pg_catalog.pg_get_viewdef(c.oid), pg_catalog.pg_get_userbyid(c.relowner),
             pg_catalog.array_to_string(c.reloptions, ', '),
             pg_catalog.obj_description(c.oid, 'pg_class'),
             (SELECT pg_catalog.string_agg(pg_catalog.format('GRANT %s ON %I.%I TO %s',
                         a.privilege_type, n.nspname, c.relname,
                         CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                              ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee))
                         END), ';')
                FROM pg_catalog.aclexplode(c.relacl) a
                WHERE a.grantee <> c.relowner),
             deepest.depth
      FROM (SELECT oid, max(depth) AS depth FROM dependents GROUP BY oid) deepest
      JOIN pg_catalog.pg_class c ON c.oid = deepest.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm')
      ORDER BY deepest.depth, c.oid
      """;

  /** A view as it was, enough to create it again. */
  record View(
      TableId id,
      boolean materialized,
      String definition,
      String owner,
      String options,
      String comment,
      List<String> grants) {
    View {
      requireNonNull(id, "id is null");
      requireNonNull(definition, "definition is null");
      requireNonNull(owner, "owner is null");
      grants = List.copyOf(grants);
    }

    String createSql() {
      return "CREATE "
          + (materialized ? "MATERIALIZED VIEW " : "VIEW ")
          + id.quoted()
          + (options == null || options.isEmpty() ? "" : " WITH (" + options + ")")
          + " AS "
          + definition;
    }
  }

  private final Connection connection;
  private final String clientRole;

  DependentViews(Connection connection, String clientRole) {
    this.connection = requireNonNull(connection, "connection is null");
    this.clientRole = requireNonNull(clientRole, "clientRole is null");
  }

  /** The table's dependent views, those it depends on first. */
  List<View> of(TableId table) throws SQLException {
    List<View> views = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(DEPENDENTS_SQL)) {
      statement.setString(1, table.quoted());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String grants = rs.getString(9);
          views.add(
              new View(
                  new TableId(rs.getString(2), rs.getString(3)),
                  "m".equals(rs.getString(4)),
                  stripSemicolon(rs.getString(5)),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  grants == null ? List.of() : List.of(grants.split(";"))));
        }
      }
    }
    return views;
  }

  /**
   * Runs {@code change} (an ALTER TABLE) with the table's dependent views set aside and created
   * again after it, in the caller's transaction.
   */
  void aroundChange(TableId table, String change) throws SQLException {
    List<View> views = of(table);
    try (Statement statement = connection.createStatement()) {
      for (View view : views.reversed()) {
        statement.execute(
            "DROP "
                + (view.materialized() ? "MATERIALIZED VIEW" : "VIEW")
                + " IF EXISTS "
                + view.id().quoted());
      }
      statement.execute(change);
    }
    for (View view : views) {
      recreate(table, view);
    }
  }

  private void recreate(TableId table, View view) throws SQLException {
    Savepoint savepoint = connection.setSavepoint();
    try (Statement statement = connection.createStatement()) {
      statement.execute(view.createSql());
      statement.execute(
          "ALTER "
              + kind(view)
              + " "
              + view.id().quoted()
              + " OWNER TO "
              + TableId.quoteIdentifier(view.owner()));
      for (String grant : view.grants()) {
        statement.execute(grant);
      }
      if (view.comment() != null) {
        statement.execute(
            "COMMENT ON "
                + kind(view)
                + " "
                + view.id().quoted()
                + " IS "
                + literal(view.comment()));
      }
      connection.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      connection.rollback(savepoint);
      log.warn(
          "View {} no longer works after a schema change of {} on the source ({}): it is dropped;"
              + " its definition is kept in {}",
          view.id(),
          table,
          e.getMessage(),
          BROKEN_VIEWS);
      keepBroken(table, view, e.getMessage());
    }
  }

  private void keepBroken(TableId table, View view, String reason) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS "
              + BROKEN_VIEWS
              + " (view_schema text NOT NULL, view_name text NOT NULL, owner text NOT NULL,"
              + " definition text NOT NULL, broken_by text NOT NULL, reason text NOT NULL,"
              + " broken_at timestamptz NOT NULL DEFAULT clock_timestamp())");
      statement.execute("GRANT SELECT ON " + BROKEN_VIEWS + " TO " + clientRole);
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + BROKEN_VIEWS
                + " (view_schema, view_name, owner, definition, broken_by, reason)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, view.id().schema());
      insert.setString(2, view.id().name());
      insert.setString(3, view.owner());
      insert.setString(4, view.createSql());
      insert.setString(5, "a schema change of " + table + " on the source");
      insert.setString(6, reason);
      insert.executeUpdate();
    }
  }

  private static String kind(View view) {
    return view.materialized() ? "MATERIALIZED VIEW" : "VIEW";
  }

  private static String stripSemicolon(String definition) {
    String trimmed = definition.strip();
    return trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
