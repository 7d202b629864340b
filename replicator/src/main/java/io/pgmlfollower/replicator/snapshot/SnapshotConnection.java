package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The normal source connection an initial snapshot imports the slot's snapshot on, opened on a
 * virtual thread ahead of the slot. Opening it (a SCRAM exchange) and the slot's creation (its wait
 * for a consistent point) each wait on the source, and neither needs the other.
 *
 * <p>Once open, the connection reads the publication's table shapes once, outside any snapshot, and
 * drops the result. A new backend plans its first catalog query against cold caches: in the
 * snapshot that read took 30–35 ms for pgbench's five tables (parse and bind, most of it loading
 * catalog entries), and the follower's first pass over its results another 10–15 ms. Done ahead,
 * while the slot is created, the read in the snapshot (the one whose shapes are used, consistent
 * with the rows copied) finds both warm.
 */
public final class SnapshotConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotConnection.class);

  private final CompletableFuture<Connection> opened = new CompletableFuture<>();
  private boolean taken;

  private SnapshotConnection() {}

  /** Starts opening a connection and reading {@code publication}'s shapes on it. */
  public static SnapshotConnection open(SourceConnections connections, String publication) {
    requireNonNull(connections, "connections is null");
    requireNonNull(publication, "publication is null");
    SnapshotConnection connection = new SnapshotConnection();
    Thread.ofVirtual()
        .name("source-connect")
        .start(() -> connection.openAndWarm(connections, publication));
    return connection;
  }

  private void openAndWarm(SourceConnections connections, String publication) {
    Connection connection;
    try {
      connection = connections.openNormal();
    } catch (ReplicatorException | RuntimeException e) {
      opened.completeExceptionally(e);
      return;
    } catch (Error e) {
      // The snapshot waiting in take() must hear of it too, rather than wait forever.
      opened.completeExceptionally(e);
      throw e;
    }
    try {
      new SourceCatalog(connection).publishedTableSpecs(publication);
    } catch (ReplicatorException | RuntimeException e) {
      // Only a warm-up: the snapshot reads the same shapes again, and a failure there is the one
      // reported (with the snapshot's context).
      log.debug("Reading publication {} ahead of the snapshot failed", publication, e);
    } finally {
      opened.complete(connection);
    }
  }

  /**
   * Waits for the connection and hands it over: the caller closes it from here on.
   *
   * @throws ReplicatorException when it could not be opened
   */
  public Connection take() throws ReplicatorException {
    taken = true;
    try {
      return opened.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ReplicatorException failure) {
        throw failure;
      }
      throw e;
    }
  }

  /** Closes the connection (once open) unless it was taken. */
  @Override
  public void close() {
    if (taken) {
      return;
    }
    taken = true;
    opened.thenAccept(
        connection -> {
          try {
            connection.close();
          } catch (SQLException e) {
            // Never used for the snapshot: nothing depends on it.
            log.debug("Closing an unused snapshot connection failed", e);
          }
        });
  }
}
