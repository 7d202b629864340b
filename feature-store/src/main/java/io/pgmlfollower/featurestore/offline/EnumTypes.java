package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.EnumType;
import io.pgmlfollower.featurestore.spi.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the source's enum types in the store, in the caller's transaction, so that replicated
 * columns keep their type (ordering, comparisons and {@code \d} as on the source) rather than
 * falling back to text.
 *
 * <p>PostgreSQL can only add labels to an enum (<a
 * href="https://www.postgresql.org/docs/current/sql-altertype.html">ALTER TYPE ... ADD VALUE</a>),
 * so labels added on the source are added here at the same position; a label renamed on the source
 * ({@code RENAME VALUE}) is renamed here when it is the only difference. Labels the store has and
 * the source no longer lists stay (they hold no replicated value).
 */
final class EnumTypes {
  private static final Logger log = LoggerFactory.getLogger(EnumTypes.class);

  /**
   * A column's type as the source spells it in {@code ColumnSpec.typeName}: {@code format_type},
   * except that an enum (or an array of one) is always schema-qualified, whatever the search_path.
   * Needs {@link #QUALIFIED_TYPE_JOINS} and an attribute aliased {@code a}.
   */
  static final String QUALIFIED_TYPE_NAME =
      "CASE WHEN t.typtype = 'e'"
          + " THEN pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.typname)"
          + " WHEN e.typtype = 'e'"
          + " THEN pg_catalog.quote_ident(en.nspname) || '.' || pg_catalog.quote_ident(e.typname)"
          + " || '[]'"
          + " ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END";

  static final String QUALIFIED_TYPE_JOINS =
      " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
          + " JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace"
          + " LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'"
          + " LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace";

  private final Connection connection;
  private final String clientRole;

  EnumTypes(Connection connection, String clientRole) {
    this.connection = requireNonNull(connection, "connection is null");
    this.clientRole = requireNonNull(clientRole, "clientRole is null");
  }

  /**
   * Creates the enum or brings its labels to the source's.
   *
   * @return its name as {@link #QUALIFIED_TYPE_NAME} prints it
   */
  String ensure(EnumType type) throws SQLException {
    String schema = TableId.quoteIdentifier(type.schema());
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      statement.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + clientRole);
    }
    List<String> existing = labels(type);
    if (existing == null) {
      List<String> labels = new ArrayList<>();
      for (String label : type.labels()) {
        labels.add(literal(label));
      }
      execute("CREATE TYPE " + type.quoted() + " AS ENUM (" + String.join(", ", labels) + ")");
      log.info("Created enum type {}", type);
      return qualifiedName(type);
    }
    if (existing.equals(type.labels())) {
      return qualifiedName(type);
    }
    List<String> missing = new ArrayList<>(type.labels());
    missing.removeAll(existing);
    List<String> extra = new ArrayList<>(existing);
    extra.removeAll(type.labels());
    if (missing.size() == 1 && extra.size() == 1 && existing.size() == type.labels().size()) {
      execute(
          "ALTER TYPE "
              + type.quoted()
              + " RENAME VALUE "
              + literal(extra.getFirst())
              + " TO "
              + literal(missing.getFirst()));
      log.info("Renamed label {} of enum {}", extra.getFirst(), type);
      return qualifiedName(type);
    }
    List<String> labels = type.labels();
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      if (!missing.contains(label)) {
        continue;
      }
      // Next to a neighbour the store has already (or has just been given): the source's order.
      String position =
          i > 0
              ? " AFTER " + literal(labels.get(i - 1))
              : nextKnown(labels, missing, i).map(next -> " BEFORE " + literal(next)).orElse("");
      execute(
          "ALTER TYPE " + type.quoted() + " ADD VALUE IF NOT EXISTS " + literal(label) + position);
      missing.remove(label);
    }
    log.info("Added labels to enum {} (the store had {})", type, existing);
    return qualifiedName(type);
  }

  private String qualifiedName(EnumType type) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT pg_catalog.quote_ident(?) || '.' || pg_catalog.quote_ident(?)")) {
      select.setString(1, type.schema());
      select.setString(2, type.name());
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static Optional<String> nextKnown(List<String> labels, List<String> missing, int from) {
    for (int i = from + 1; i < labels.size(); i++) {
      if (!missing.contains(labels.get(i))) {
        return Optional.of(labels.get(i));
      }
    }
    return Optional.empty();
  }

  /** The labels in sort order, or null when there is no such type. */
  private List<String> labels(EnumType type) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT t.typtype, e.enumlabel FROM pg_catalog.pg_type t"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
                + " LEFT JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid"
                + " WHERE n.nspname = ? AND t.typname = ? ORDER BY e.enumsortorder")) {
      select.setString(1, type.schema());
      select.setString(2, type.name());
      try (ResultSet rs = select.executeQuery()) {
        List<String> labels = null;
        while (rs.next()) {
          if (!"e".equals(rs.getString(1))) {
            throw new SQLException(
                "type " + type.quoted() + " exists in the store but is not an enum", "42804");
          }
          if (labels == null) {
            labels = new ArrayList<>();
          }
          if (rs.getString(2) != null) {
            labels.add(rs.getString(2));
          }
        }
        return labels;
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
