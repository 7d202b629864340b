package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.connection.Lsn;

/**
 * Origin ('O'): the transaction was replicated into the source from another node (replication
 * origins, https://www.postgresql.org/docs/current/replication-origins.html).
 *
 * @param originCommitLsn the commit LSN on the origin server
 * @param name the origin's name
 */
public record OriginMessage(Lsn originCommitLsn, String name) implements PgOutputMessage {
  public OriginMessage {
    requireNonNull(originCommitLsn, "originCommitLsn is null");
    requireNonNull(name, "name is null");
  }
}
