package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.trainer.data.RelationReader;
import io.pgmlfollower.trainer.data.ResolvedRelation;
import io.pgmlfollower.trainer.registry.ModelRegistry;
import io.pgmlfollower.trainer.registry.RegistrySchema;
import io.pgmlfollower.trainer.registry.SnapshotRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * Takes a training snapshot: an immutable copy of a relation (table or view) in {@code
 * pgml.snapshot_<id>}, recorded in {@code pgml.snapshots} with its columns, row count, size and the
 * source LSN its rows are consistent with.
 *
 * <p>The relation is read as the client role (it may be a view a client wrote), in one REPEATABLE
 * READ transaction that also reads the applied source LSN: the replicator stores that position in
 * the same local transaction as the rows it applies, so the LSN describes exactly the rows copied.
 * The copy is written by the registry's owner in one transaction with its {@code pgml.snapshots}
 * row: binary COPY from the reader straight into a table created in that transaction ({@code
 * FREEZE}, and no WAL under {@code wal_level=minimal}); a failure leaves neither the row nor the
 * table. Rows keep the relation's scan order, so reading the copy back gives the same order every
 * time, and a seeded split of it the same sets.
 */
final class SnapshotTaker {
  /** A cancel is looked for every 1024 COPY messages (rows): cheap, and well under a second. */
  private static final long CANCEL_CHECK_MASK = 1023;

  /** SQLSTATE query_canceled. */
  static final String CANCELED = "57014";

  private final ModelRegistry registry;
  private final TrainerConfig config;

  SnapshotTaker(ModelRegistry registry, TrainerConfig config) {
    this.registry = requireNonNull(registry, "registry is null");
    this.config = requireNonNull(config, "config is null");
  }

  /**
   * @param owner the registry's connection, in auto-commit mode
   * @param reader the client role's connection, in auto-commit mode
   * @param check called with the resolved relation before anything is copied (pgml.train checks
   *     that it can train on it); throws to refuse
   * @param cancelled polled while rows are copied: when it turns true the copy stops, nothing is
   *     kept, and a {@code 57014} SQLException is thrown
   */
  SnapshotRow take(
      Connection owner,
      Connection reader,
      String relationName,
      String yColumnName,
      double testSize,
      TestSampling testSampling,
      Consumer<ResolvedRelation> check,
      BooleanSupplier cancelled)
      throws SQLException {
    requireNonNull(cancelled, "cancelled is null");
    requireNonNull(relationName, "relationName is null");
    return RelationReader.inSnapshotTransaction(
        reader,
        () -> {
          ResolvedRelation relation = RelationReader.resolve(reader, relationName);
          if (yColumnName != null) {
            RelationReader.findTarget(relation, yColumnName);
          }
          check.accept(relation);
          Optional<String> lsn = config.sourceLsnReader().read(reader);
          String readerRole = currentUser(reader);
          return copy(
              owner,
              reader,
              relation,
              yColumnName,
              testSize,
              testSampling,
              lsn,
              readerRole,
              cancelled);
        });
  }

  private SnapshotRow copy(
      Connection owner,
      Connection reader,
      ResolvedRelation relation,
      String yColumnName,
      double testSize,
      TestSampling testSampling,
      Optional<String> lsn,
      String readerRole,
      BooleanSupplier cancelled)
      throws SQLException {
    owner.setAutoCommit(false);
    try {
      long id =
          registry.insertSnapshot(
              owner,
              relation.id(),
              yColumnName,
              testSize,
              testSampling,
              relation.columns(),
              lsn,
              config.splitSeed());
      TableId table = new TableId(RegistrySchema.SCHEMA, "snapshot_" + id);
      String columns =
          relation.columns().stream()
              .map(column -> TableId.quoteIdentifier(column.name()))
              .collect(Collectors.joining(", "));
      try (Statement statement = owner.createStatement()) {
        // Types as the catalog spells them (format_type): the copy has the relation's exact types.
        statement.execute(
            "CREATE TABLE "
                + table.quoted()
                + " ("
                + relation.columns().stream()
                    .map(c -> TableId.quoteIdentifier(c.name()) + " " + c.pgType())
                    .collect(Collectors.joining(", "))
                + ")");
      }
      long rows =
          pipe(
              reader,
              "COPY (SELECT "
                  + columns
                  + " FROM "
                  + relation.id().quoted()
                  + ") TO STDOUT"
                  + " (FORMAT binary)",
              owner,
              "COPY " + table.quoted() + " (" + columns + ") FROM STDIN (FORMAT binary, FREEZE)",
              cancelled);
      config.snapshotGuard().protect(owner, table, readerRole);
      registry.completeSnapshot(owner, id, table.name(), rows, totalSize(owner, table));
      SnapshotRow row =
          registry
              .lockSnapshot(owner, id)
              .orElseThrow(() -> new SQLException("snapshot " + id + " vanished"));
      owner.commit();
      return row;
    } catch (SQLException | RuntimeException e) {
      owner.rollback();
      throw e;
    } finally {
      owner.setAutoCommit(true);
    }
  }

  /**
   * Streams one connection's binary COPY into the other's, as it arrives (memory stays at one COPY
   * message); both servers are the offline store, so binary values need no conversion.
   *
   * @return rows copied
   */
  private static long pipe(
      Connection from, String copyOut, Connection to, String copyIn, BooleanSupplier cancelled)
      throws SQLException {
    CopyOut out = from.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut);
    CopyIn in;
    try {
      in = to.unwrap(PGConnection.class).getCopyAPI().copyIn(copyIn);
    } catch (SQLException e) {
      cancel(out, e);
      throw e;
    }
    try {
      byte[] data;
      long messages = 0;
      while ((data = out.readFromCopy()) != null) {
        in.writeToCopy(data, 0, data.length);
        if ((++messages & CANCEL_CHECK_MASK) == 0 && cancelled.getAsBoolean()) {
          throw new SQLException("canceling statement due to user request", CANCELED);
        }
      }
      return in.endCopy();
    } catch (SQLException e) {
      cancel(out, e);
      if (in.isActive()) {
        try {
          in.cancelCopy();
        } catch (SQLException cancelling) {
          e.addSuppressed(cancelling);
        }
      }
      throw e;
    }
  }

  private static void cancel(CopyOut out, SQLException cause) {
    if (out.isActive()) {
      try {
        out.cancelCopy();
      } catch (SQLException e) {
        cause.addSuppressed(e);
      }
    }
  }

  private static long totalSize(Connection connection, TableId table) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_catalog.pg_total_relation_size(?::regclass)")) {
      statement.setString(1, table.quoted());
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static String currentUser(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT current_user")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
