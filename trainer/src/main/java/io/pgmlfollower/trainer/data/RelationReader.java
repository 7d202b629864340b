package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.trainer.SourceLsnReader;
import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a relation of the offline store into memory for training.
 *
 * <p>The relation name is user input: it is resolved with {@code to_regclass} (which applies
 * PostgreSQL's identifier rules and the search_path) and only catalog names, quoted, reach the
 * query text. All reads happen in one REPEATABLE READ READ ONLY transaction so that the catalog,
 * the rows and the source LSN describe the same snapshot. Synchronized and parallel sequential
 * scans are disabled for that transaction: both make {@code SELECT} without {@code ORDER BY} return
 * rows in a varying order (https://www.postgresql.org/docs/current/runtime-config-compatible.html
 * #GUC-SYNCHRONIZE-SEQSCANS), and a deterministic row order is what makes a seeded split
 * reproducible and {@code test_sampling => 'last'} meaningful.
 */
public final class RelationReader {
  private static final String RESOLVE_SQL =
      """
      SELECT c.oid, n.nspname, c.relname, c.relkind
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = pg_catalog.to_regclass(?)
      """;
  private static final String COLUMNS_SQL =
      """
      SELECT a.attname,
             pg_catalog.format_type(a.atttypid, a.atttypmod),
             a.attnum,
             coalesce(nullif(t.typbasetype, 0), t.oid)::int8,
             coalesce(bt.typtype, t.typtype)::text
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_type bt ON bt.oid = nullif(t.typbasetype, 0)
      WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum
      """;

  /** Tables, partitioned tables, views, materialized views, foreign tables. */
  private static final String READABLE_RELKINDS = "rpvmf";

  private final int fetchSize;
  private final SourceLsnReader sourceLsnReader;
  private final Set<String> imputed;

  public RelationReader(int fetchSize, SourceLsnReader sourceLsnReader) {
    this(fetchSize, sourceLsnReader, Set.of());
  }

  private RelationReader(int fetchSize, SourceLsnReader sourceLsnReader, Set<String> imputed) {
    if (fetchSize < 1) {
      throw new IllegalArgumentException("fetchSize must be at least 1");
    }
    this.fetchSize = fetchSize;
    this.sourceLsnReader = requireNonNull(sourceLsnReader, "sourceLsnReader is null");
    this.imputed = Set.copyOf(imputed);
  }

  /** A reader that reads NULL as NaN in these feature columns (their NULLs get imputed). */
  public RelationReader withImputed(Set<String> columns) {
    return new RelationReader(fetchSize, sourceLsnReader, columns);
  }

  /**
   * Reads every row of {@code relationName}, splitting columns into features and the target.
   *
   * @param connection a connection in auto-commit mode; it is returned in auto-commit mode
   * @param yColumnName the target; null for a task without one (clustering, decomposition)
   */
  public RelationData read(
      Connection connection, String relationName, String yColumnName, Task task)
      throws SQLException {
    requireNonNull(relationName, "relationName is null");
    requireNonNull(task, "task is null");
    return inSnapshotTransaction(
        connection,
        () -> {
          ResolvedRelation relation = resolve(connection, relationName);
          Shape shape = check(relation, yColumnName, task);
          Optional<String> lsn = sourceLsnReader.read(connection);
          return readRows(connection, relation.id(), relation, shape, lsn);
        });
  }

  /**
   * Reads a training snapshot's copy: its rows, described as the relation it was taken of (the name
   * models and their pipelines refer to), with the source LSN recorded when it was taken.
   *
   * @param copy the snapshot's table
   * @param relation the relation the copy was taken of
   * @param yColumnName the target; null for a task without one (clustering, decomposition)
   */
  public RelationData readCopy(
      Connection connection,
      TableId copy,
      TableId relation,
      String yColumnName,
      Task task,
      Optional<String> sourceLsn)
      throws SQLException {
    requireNonNull(copy, "copy is null");
    requireNonNull(relation, "relation is null");
    requireNonNull(task, "task is null");
    requireNonNull(sourceLsn, "sourceLsn is null");
    return inSnapshotTransaction(
        connection,
        () -> {
          ResolvedRelation described =
              new ResolvedRelation(relation, resolve(connection, copy.quoted()).columns());
          Shape shape = check(described, yColumnName, task);
          return readRows(connection, copy, described, shape, sourceLsn);
        });
  }

  /** The work of one snapshot transaction. */
  @FunctionalInterface
  public interface SnapshotWork<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} in one REPEATABLE READ READ ONLY transaction with deterministic scan order
   * (see the class comment), committed when it returns and rolled back when it throws.
   *
   * @param connection a connection in auto-commit mode; it is returned in auto-commit mode
   */
  public static <T> T inSnapshotTransaction(Connection connection, SnapshotWork<T> work)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      try (Statement statement = connection.createStatement()) {
        statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        statement.execute("SET LOCAL synchronize_seqscans = off");
        statement.execute("SET LOCAL max_parallel_workers_per_gather = 0");
      }
      T result = work.run();
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /**
   * The target and the features of a relation, in table order.
   *
   * @param target null for a task without one: every column is a feature
   */
  public record Shape(RelationColumn target, List<RelationColumn> features) {
    public Shape {
      features = List.copyOf(requireNonNull(features, "features is null"));
    }
  }

  /**
   * Checks that the relation can train a model of {@code task} with target {@code yColumnName}: the
   * target exists and has a usable type, every other column is a usable feature. A task without a
   * target (clustering, decomposition) takes every column as a feature, and {@code yColumnName}
   * must be null.
   */
  public static Shape check(ResolvedRelation relation, String yColumnName, Task task) {
    if (task.supervised() != (yColumnName != null)) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          task.supervised()
              ? "%s needs y_column_name, the column to predict".formatted(task.sqlName())
              : ("%s learns from every column and takes no y_column_name: train on a view without"
                      + " the columns to leave out")
                  .formatted(task.sqlName()));
    }
    RelationColumn target = yColumnName == null ? null : findTarget(relation, yColumnName);
    if (target != null) {
      checkTarget(relation, target, task);
    }
    List<RelationColumn> features = new ArrayList<>();
    for (RelationColumn column : relation.columns()) {
      if (column != target) {
        checkFeature(relation, column);
        features.add(column);
      }
    }
    if (features.isEmpty()) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          "%s has no column besides the target %s: add feature columns (or a view with them)"
              .formatted(relation.qualifiedName(), target == null ? "" : target.name()));
    }
    return new Shape(target, features);
  }

  /** Resolves a user-given relation name in the catalog, with its columns in table order. */
  public static ResolvedRelation resolve(Connection connection, String relationName)
      throws SQLException {
    long oid;
    TableId id;
    try (PreparedStatement statement = connection.prepareStatement(RESOLVE_SQL)) {
      statement.setString(1, relationName);
      try (ResultSet rs = executeResolve(statement, relationName)) {
        if (!rs.next()) {
          throw new TrainerException(
              TrainerErrorCode.UNKNOWN_RELATION,
              ("relation \"%s\" does not exist: name a table or view of the follower, e.g."
                      + " 'public.my_table' (names are folded to lower case unless double-quoted)")
                  .formatted(relationName));
        }
        oid = rs.getLong(1);
        id = new TableId(rs.getString(2), rs.getString(3));
        String relkind = rs.getString(4);
        if (READABLE_RELKINDS.indexOf(relkind.charAt(0)) < 0) {
          throw new TrainerException(
              TrainerErrorCode.UNKNOWN_RELATION,
              "\"%s\" is not a table or view: train on a table, view or materialized view"
                  .formatted(id));
        }
      }
    }
    List<RelationColumn> columns = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(COLUMNS_SQL)) {
      statement.setLong(1, oid);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          columns.add(
              new RelationColumn(
                  rs.getString(1),
                  rs.getString(2),
                  ColumnKind.of(rs.getLong(4), rs.getString(5)),
                  rs.getInt(3)));
        }
      }
    }
    return new ResolvedRelation(id, columns);
  }

  /**
   * {@code to_regclass} returns NULL for a missing relation but still raises errors for names it
   * cannot parse ({@code a.b.c.d}, {@code otherdb.public.t}): those are unknown relations too.
   */
  private static ResultSet executeResolve(PreparedStatement statement, String relationName)
      throws SQLException {
    try {
      return statement.executeQuery();
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && (state.startsWith("42") || state.startsWith("0A"))) {
        throw new TrainerException(
            TrainerErrorCode.UNKNOWN_RELATION,
            "relation \"%s\" cannot be resolved (%s): name a table or view as schema.name or name"
                .formatted(relationName, e.getMessage()),
            e);
      }
      throw e;
    }
  }

  /** The column named {@code yColumnName}, or a clear error listing the relation's columns. */
  public static RelationColumn findTarget(ResolvedRelation relation, String yColumnName) {
    for (RelationColumn column : relation.columns()) {
      if (column.name().equals(yColumnName)) {
        return column;
      }
    }
    throw new TrainerException(
        TrainerErrorCode.UNKNOWN_COLUMN,
        ("column \"%s\" does not exist in %s: y_column_name must be one of %s (names are"
                + " case-sensitive here)")
            .formatted(
                yColumnName,
                relation.qualifiedName(),
                relation.columns().stream()
                    .map(RelationColumn::name)
                    .collect(Collectors.joining(", "))));
  }

  private static void checkTarget(ResolvedRelation relation, RelationColumn target, Task task) {
    boolean usable =
        switch (target.kind()) {
          case NUMERIC, BOOLEAN -> true;
          case TEXT -> task == Task.CLASSIFICATION;
          case UNSUPPORTED -> false;
        };
    if (!usable) {
      throw new TrainerException(
          TrainerErrorCode.UNSUPPORTED_COLUMN_TYPE,
          "target column \"%s\" of %s has type %s, which %s cannot use: %s"
              .formatted(
                  target.name(),
                  relation.qualifiedName(),
                  target.pgType(),
                  task.sqlName(),
                  task == Task.REGRESSION
                      ? "regression needs a numeric or boolean target"
                      : "classification needs a numeric, boolean, text or enum target"));
    }
  }

  private static void checkFeature(ResolvedRelation relation, RelationColumn column) {
    if (column.kind() == ColumnKind.UNSUPPORTED) {
      throw new TrainerException(
          TrainerErrorCode.UNSUPPORTED_COLUMN_TYPE,
          ("feature column \"%s\" of %s has type %s: features are numeric, boolean, text or enum"
                  + " columns; train on a view that casts or leaves out that column")
              .formatted(column.name(), relation.qualifiedName(), column.pgType()));
    }
  }

  private RelationData readRows(
      Connection connection,
      TableId rowsFrom,
      ResolvedRelation relation,
      Shape shape,
      Optional<String> lsn)
      throws SQLException {
    RelationColumn target = shape.target();
    List<RelationColumn> features = shape.features();
    // Explicit column list, same order as SELECT *: only catalog names, quoted, reach the SQL.
    String columnList =
        relation.columns().stream()
            .map(column -> TableId.quoteIdentifier(column.name()))
            .collect(Collectors.joining(", "));
    String sql = "SELECT " + columnList + " FROM " + rowsFrom.quoted();
    int targetIndex = target == null ? 0 : relation.columns().indexOf(target) + 1;
    int[] featureIndexes =
        features.stream().mapToInt(column -> relation.columns().indexOf(column) + 1).toArray();
    List<double[]> rows = new ArrayList<>();
    List<Object> targets = new ArrayList<>();
    // Text features are read as codes in order of first appearance, renumbered in sorted order
    // once every row is in, so that codes do not depend on the row order.
    CategoryCoder[] text = new CategoryCoder[features.size()];
    for (int i = 0; i < text.length; i++) {
      text[i] = features.get(i).kind() == ColumnKind.TEXT ? new CategoryCoder() : null;
    }
    try (Statement statement = connection.createStatement()) {
      statement.setFetchSize(fetchSize);
      try (ResultSet rs = statement.executeQuery(sql)) {
        while (rs.next()) {
          int rowNumber = rows.size() + 1;
          double[] row = new double[featureIndexes.length];
          for (int i = 0; i < featureIndexes.length; i++) {
            RelationColumn column = features.get(i);
            if (column.kind() == ColumnKind.TEXT) {
              row[i] =
                  text[i].code(readCategory(rs, featureIndexes[i], column, relation, rowNumber));
            } else {
              row[i] = readFeature(rs, featureIndexes[i], column, relation, rowNumber);
            }
          }
          rows.add(row);
          if (target == null) {
            continue;
          }
          targets.add(
              target.kind() == ColumnKind.TEXT
                  ? readText(rs, targetIndex, target, relation, rowNumber)
                  : readNumber(rs, targetIndex, target, relation, rowNumber));
        }
      }
    }
    if (rows.isEmpty()) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          "%s has no rows: there is nothing to train on yet".formatted(relation.qualifiedName()));
    }
    TargetValues y =
        target == null
            ? null
            : target.kind() == ColumnKind.TEXT
                ? new TargetValues.Text(targets.toArray(String[]::new))
                : new TargetValues.Numeric(
                    targets.stream().mapToDouble(value -> (Double) value).toArray());
    double[][] x = rows.toArray(double[][]::new);
    Map<String, List<String>> categories = new LinkedHashMap<>();
    for (int i = 0; i < text.length; i++) {
      if (text[i] != null) {
        categories.put(features.get(i).name(), text[i].sortInPlace(x, i));
      }
    }
    return new RelationData(relation, features, target, x, y, lsn, categories);
  }

  /** A feature's value: NaN for NULL where that column's NULLs are imputed. */
  private double readFeature(
      ResultSet rs, int index, RelationColumn column, ResolvedRelation relation, int rowNumber)
      throws SQLException {
    if (imputed.contains(column.name())) {
      rs.getObject(index);
      if (rs.wasNull()) {
        return Double.NaN;
      }
    }
    return readNumber(rs, index, column, relation, rowNumber);
  }

  /** A text feature's value; null for a NULL its column imputes. */
  private String readCategory(
      ResultSet rs, int index, RelationColumn column, ResolvedRelation relation, int rowNumber)
      throws SQLException {
    String value = rs.getString(index);
    if (value == null && !imputed.contains(column.name())) {
      throw nullValue(column, relation, rowNumber, "NULL");
    }
    return value;
  }

  private static double readNumber(
      ResultSet rs, int index, RelationColumn column, ResolvedRelation relation, int rowNumber)
      throws SQLException {
    double value =
        column.kind() == ColumnKind.BOOLEAN
            ? (rs.getBoolean(index) ? 1.0 : 0.0)
            : rs.getDouble(index);
    if (rs.wasNull()) {
      throw nullValue(column, relation, rowNumber, "NULL");
    }
    if (!Double.isFinite(value)) {
      throw nullValue(column, relation, rowNumber, String.valueOf(value));
    }
    return value;
  }

  private static String readText(
      ResultSet rs, int index, RelationColumn column, ResolvedRelation relation, int rowNumber)
      throws SQLException {
    String value = rs.getString(index);
    if (value == null) {
      throw nullValue(column, relation, rowNumber, "NULL");
    }
    return value;
  }

  private static TrainerException nullValue(
      RelationColumn column, ResolvedRelation relation, int rowNumber, String value) {
    return new TrainerException(
        TrainerErrorCode.NULL_VALUE,
        ("column \"%s\" of %s is %s in row %d (in table order): imputation is not supported yet;"
                + " train on a view that filters or fills such rows, e.g. coalesce(\"%s\", 0)")
            .formatted(column.name(), relation.qualifiedName(), value, rowNumber, column.name()));
  }
}
