package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.StoredRow;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.serving.sql.RowKey;
import io.pgmlfollower.trainer.preprocess.FittedPreprocess;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Reads a row's features by primary key, for {@code pgml.predict_by_key}: from the online store
 * (RocksDB, no SQL) when it holds the relation, else from the offline store as the client role (a
 * view, or {@code store.online.type: none}). Both hold what the replicator has applied.
 */
final class KeyLookup {
  private final DataSource clientData;
  private final Optional<OnlineStore> online;
  private final Map<String, List<String>> primaryKeys = new ConcurrentHashMap<>();
  private final Map<String, TableId> tables = new ConcurrentHashMap<>();

  KeyLookup(DataSource clientData, Optional<OnlineStore> online) {
    this.clientData = requireNonNull(clientData, "clientData is null");
    this.online = requireNonNull(online, "online is null");
  }

  /** Whether the relation's rows are read from the online store (no SQL, no waiting). */
  boolean isOnline(String relation) {
    TableId table = table(relation);
    return online.isPresent() && online.get().spec(table).isPresent();
  }

  /**
   * @param relation the trained relation, {@code schema.name}
   * @param categories the model's text features and their categories: such a value becomes its
   *     category's index (-1 when the model never saw it)
   * @return the features in order, or null when no row has that key
   */
  double[] features(
      String relation, List<String> featureNames, Map<String, List<String>> categories, RowKey key)
      throws PgWireException {
    TableId table = table(relation);
    Optional<TableSpec> spec = online.flatMap(store -> store.spec(table));
    if (spec.isPresent()) {
      List<String> values = keyValues(key, spec.get().primaryKey(), table);
      Optional<StoredRow> row;
      try {
        row = online.get().row(table, values);
      } catch (StoreException e) {
        throw new PgWireException(
            e.code() == StoreErrorCode.INVALID_DATA
                ? SqlState.INVALID_TEXT_REPRESENTATION
                : SqlState.FEATURE_NOT_SUPPORTED,
            "pgml.predict_by_key: " + e.getMessage(),
            "pass values of the table's primary key " + spec.get().primaryKey());
      }
      if (row.isEmpty()) {
        return null;
      }
      StoredRow stored = row.get();
      double[] features = new double[featureNames.size()];
      for (int i = 0; i < features.length; i++) {
        String name = featureNames.get(i);
        int column = stored.column(name);
        if (column < 0) {
          throw new PgWireException(
              SqlState.UNDEFINED_COLUMN,
              "feature %s is no longer a column of %s".formatted(name, table));
        }
        List<String> categoriesOf = categories.get(name);
        features[i] =
            stored.isNull(column) || categoriesOf != null
                ? feature(stored.text(column), name, categoriesOf, table, key)
                : numeric(stored, column, name, table);
      }
      return features;
    }
    try (Connection connection = clientData.getConnection()) {
      List<String> primaryKey = primaryKey(connection, table);
      List<String> values = keyValues(key, primaryKey, table);
      String sql =
          "SELECT %s FROM %s WHERE %s"
              .formatted(
                  featureNames.stream()
                      .map(TableId::quoteIdentifier)
                      .collect(Collectors.joining(", ")),
                  table.quoted(),
                  primaryKey.stream()
                      .map(column -> TableId.quoteIdentifier(column) + " = ?")
                      .collect(Collectors.joining(" AND ")));
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int i = 0; i < values.size(); i++) {
          // Typed by the server from the key column, as a literal would be.
          statement.setObject(i + 1, values.get(i), Types.OTHER);
        }
        try (ResultSet rs = statement.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          double[] features = new double[featureNames.size()];
          for (int i = 0; i < features.length; i++) {
            String name = featureNames.get(i);
            Object value = rs.getObject(i + 1);
            features[i] =
                switch (value) {
                  case Boolean b -> b ? 1 : 0;
                  case Number n -> n.doubleValue();
                  case null -> feature(null, name, categories.get(name), table, key);
                  default -> feature(value.toString(), name, categories.get(name), table, key);
                };
          }
          return features;
        }
      }
    } catch (SQLException e) {
      throw new PgWireException(
          SqlState.DATA_EXCEPTION,
          "pgml.predict_by_key: cannot read key %s of %s: %s"
              .formatted(describe(key), table, e.getMessage()),
          null,
          "pass a value of the table's primary key",
          0,
          e);
    }
  }

  /**
   * The key's values in primary-key order.
   *
   * @throws PgWireException 0A000 for a table without primary key; 22023 for a key that does not
   *     name exactly the primary-key columns
   */
  static List<String> keyValues(RowKey key, List<String> primaryKey, TableId table)
      throws PgWireException {
    if (primaryKey.isEmpty()) {
      throw new PgWireException(
          SqlState.FEATURE_NOT_SUPPORTED,
          "pgml.predict_by_key: %s has no primary key".formatted(table),
          "use SELECT pgml.predict('project', t) FROM %s t WHERE ...".formatted(table.quoted()));
    }
    return switch (key) {
      case RowKey.Single single -> {
        if (primaryKey.size() != 1) {
          throw new PgWireException(
              SqlState.INVALID_PARAMETER_VALUE,
              "pgml.predict_by_key: %s has a composite primary key (%s): one value cannot name a row"
                  .formatted(table, String.join(", ", primaryKey)),
              "pass every key column as jsonb, e.g. pgml.predict_by_key('project', '{%s}'::jsonb)"
                  .formatted(
                      primaryKey.stream()
                          .map(column -> "\"" + column + "\": ...")
                          .collect(Collectors.joining(", "))));
        }
        yield List.of(single.value());
      }
      case RowKey.ByColumn byColumn -> {
        if (!byColumn.values().keySet().equals(Set.copyOf(primaryKey))) {
          throw new PgWireException(
              SqlState.INVALID_PARAMETER_VALUE,
              "pgml.predict_by_key: the key names %s, but the primary key of %s is (%s)"
                  .formatted(
                      String.join(", ", new TreeSet<>(byColumn.values().keySet())),
                      table,
                      String.join(", ", primaryKey)),
              "name every primary-key column once, and no other");
        }
        yield primaryKey.stream().map(byColumn.values()::get).toList();
      }
    };
  }

  /** A stored value (text form) as a model feature. */
  private static double feature(
      String value, String name, List<String> categories, TableId table, RowKey key)
      throws PgWireException {
    if (value == null) {
      // Missing: the model imputes it where it was trained to, and refuses it by name elsewhere.
      return Double.NaN;
    }
    if (categories != null) {
      return FittedPreprocess.code(categories, value);
    }
    return switch (value) {
      case "t" -> 1;
      case "f" -> 0;
      default -> {
        try {
          // Same grammar and rounding as Double.parseDouble (NaN, Infinity too), faster.
          yield JavaDoubleParser.parseDouble(value);
        } catch (NumberFormatException e) {
          throw new PgWireException(
              SqlState.DATATYPE_MISMATCH, "feature %s of %s is not numeric".formatted(name, table));
        }
      }
    };
  }

  /**
   * A stored value that is not NULL and not categorical, parsed from its UTF-8 bytes where it lies
   * (no string): as {@link #feature} parses the same text.
   */
  private static double numeric(StoredRow row, int column, String name, TableId table)
      throws PgWireException {
    byte[] bytes = row.bytes();
    int start = row.start(column);
    int length = row.length(column);
    if (length == 1 && bytes[start] == 't') {
      return 1;
    }
    if (length == 1 && bytes[start] == 'f') {
      return 0;
    }
    try {
      return JavaDoubleParser.parseDouble(bytes, start, length);
    } catch (NumberFormatException e) {
      throw new PgWireException(
          SqlState.DATATYPE_MISMATCH, "feature %s of %s is not numeric".formatted(name, table));
    }
  }

  private static String describe(RowKey key) {
    return switch (key) {
      case RowKey.Single single -> single.value();
      case RowKey.ByColumn byColumn -> byColumn.values().toString();
    };
  }

  private List<String> primaryKey(Connection connection, TableId table) throws SQLException {
    List<String> cached = primaryKeys.get(table.toString());
    if (cached != null) {
      return cached;
    }
    List<String> columns = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                + " ORDER BY array_position(i.indkey, a.attnum)")) {
      statement.setString(1, table.quoted());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    primaryKeys.put(table.toString(), List.copyOf(columns));
    return columns;
  }

  /** The relation's table, parsed once per relation name (no strings per lookup). */
  private TableId table(String relation) {
    return tables.computeIfAbsent(relation, KeyLookup::parseTable);
  }

  private static TableId parseTable(String relation) {
    int dot = relation.indexOf('.');
    return dot < 0
        ? new TableId("public", relation)
        : new TableId(relation.substring(0, dot), relation.substring(dot + 1));
  }
}
