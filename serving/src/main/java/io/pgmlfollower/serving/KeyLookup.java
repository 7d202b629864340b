package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  KeyLookup(DataSource clientData, Optional<OnlineStore> online) {
    this.clientData = requireNonNull(clientData, "clientData is null");
    this.online = requireNonNull(online, "online is null");
  }

  /**
   * @param relation the trained relation, {@code schema.name}
   * @return the features in order, or null when no row has that key
   */
  double[] features(String relation, List<String> featureNames, String key) throws PgWireException {
    TableId table = table(relation);
    if (online.isPresent() && online.get().spec(table).isPresent()) {
      return fromOnline(online.get(), table, featureNames, key);
    }
    try (Connection connection = clientData.getConnection()) {
      List<String> primaryKey = primaryKey(connection, table);
      if (primaryKey.size() != 1) {
        throw new PgWireException(
            SqlState.FEATURE_NOT_SUPPORTED,
            "pgml.predict_by_key: %s has %s; only single-column primary keys are supported yet"
                .formatted(
                    table, primaryKey.isEmpty() ? "no primary key" : "a composite primary key"),
            "use SELECT pgml.predict('project', t) FROM %s t WHERE ...".formatted(table.quoted()));
      }
      String sql =
          "SELECT %s FROM %s WHERE %s = ?"
              .formatted(
                  featureNames.stream()
                      .map(TableId::quoteIdentifier)
                      .collect(Collectors.joining(", ")),
                  table.quoted(),
                  TableId.quoteIdentifier(primaryKey.getFirst()));
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        // Typed by the server from the key column, as a literal would be.
        statement.setObject(1, key, Types.OTHER);
        try (ResultSet rs = statement.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          double[] features = new double[featureNames.size()];
          for (int i = 0; i < features.length; i++) {
            Object value = rs.getObject(i + 1);
            features[i] =
                switch (value) {
                  case null ->
                      throw new PgWireException(
                          SqlState.NULL_VALUE_NOT_ALLOWED,
                          "feature %s of %s key %s is NULL"
                              .formatted(featureNames.get(i), table, key));
                  case Boolean b -> b ? 1 : 0;
                  case Number n -> n.doubleValue();
                  default ->
                      throw new PgWireException(
                          SqlState.DATATYPE_MISMATCH,
                          "feature %s of %s is not numeric".formatted(featureNames.get(i), table));
                };
          }
          return features;
        }
      }
    } catch (SQLException e) {
      throw new PgWireException(
          SqlState.DATA_EXCEPTION,
          "pgml.predict_by_key: cannot read key %s of %s: %s".formatted(key, table, e.getMessage()),
          null,
          "pass a value of the table's primary key",
          0,
          e);
    }
  }

  private static double[] fromOnline(
      OnlineStore store, TableId table, List<String> featureNames, String key)
      throws PgWireException {
    Optional<Map<String, String>> row;
    try {
      row = store.get(table, List.of(key));
    } catch (StoreException e) {
      throw new PgWireException(
          e.code() == StoreErrorCode.INVALID_DATA
              ? SqlState.INVALID_TEXT_REPRESENTATION
              : SqlState.FEATURE_NOT_SUPPORTED,
          "pgml.predict_by_key: " + e.getMessage(),
          "pass one value of the table's single-column primary key");
    }
    if (row.isEmpty()) {
      return null;
    }
    double[] features = new double[featureNames.size()];
    for (int i = 0; i < features.length; i++) {
      String name = featureNames.get(i);
      if (!row.get().containsKey(name)) {
        throw new PgWireException(
            SqlState.UNDEFINED_COLUMN,
            "feature %s is no longer a column of %s".formatted(name, table));
      }
      String value = row.get().get(name);
      if (value == null) {
        throw new PgWireException(
            SqlState.NULL_VALUE_NOT_ALLOWED,
            "feature %s of %s key %s is NULL".formatted(name, table, key));
      }
      features[i] =
          switch (value) {
            case "t" -> 1;
            case "f" -> 0;
            default -> {
              try {
                yield Double.parseDouble(value);
              } catch (NumberFormatException e) {
                throw new PgWireException(
                    SqlState.DATATYPE_MISMATCH,
                    "feature %s of %s is not numeric".formatted(name, table));
              }
            }
          };
    }
    return features;
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

  private static TableId table(String relation) {
    int dot = relation.indexOf('.');
    return dot < 0
        ? new TableId("public", relation)
        : new TableId(relation.substring(0, dot), relation.substring(dot + 1));
  }
}
